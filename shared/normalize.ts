import { toHex } from './hex';

// Identity normalization, and each ad platform's own normalization + SHA-256 (lowercase hex).
// A person's identity is the trimmed, lowercased email and nothing more; platform rules (Google's
// gmail rules, Meta's field rules) apply only when hashing for that platform.

// Loose: one '@', no whitespace, control chars or RFC specials; a dotted domain whose last label is
// not all digits. Unicode is allowed (internationalized addresses exist). No lookbehind: the tag
// bundles this, and older Safari fails to parse it.
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
const TLD = '(?!\\d+$)[\\p{L}\\p{N}][\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}]';
const EMAIL = new RegExp(`^[^\\s\\p{C}@<>()[\\]\\\\,;:"]{1,64}@(?:${LABEL}\\.)+${TLD}$`, 'u');
const SHA256_HEX = /^[\da-f]{64}$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** The person identity: trim + lowercase only; null when not a plausible email. */
export function normalizeEmail(raw: string): string | null {
  const email = String(raw).trim().toLowerCase();
  return isEmail(email) ? email : null;
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return toHex(digest);
}

// ---- Meta: the rules of Meta's Node SDK (ServerSideUtils.normalizeAndHash), which the known-answer
// vectors come from. Departures, each where the SDK would hash a value Meta can never match: birthdates
// become YYYYMMDD, phones keep digits only, "UK" means gb, empty results are null. Only SHA-256 hex
// passes through unhashed (the SDK also passes 32-hex as MD5, which would send a raw 32-hex id in clear).

export const META_FIELDS = ['em', 'ph', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'external_id', 'ge', 'db'] as const;
export type MetaField = (typeof META_FIELDS)[number];

// The SDK's email pattern (ASCII only: Meta refuses internationalized addresses).
const META_EMAIL =
  /^[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*@(?:[a-z\d](?:[a-z\d-]*[a-z\d])?\.)+[a-z\d](?:[a-z\d-]*[a-z\d])?$/;

// ISO 3166-1 alpha-2, officially assigned (249).
const COUNTRY_CODES =
  'ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz ' +
  'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ' +
  'ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ' +
  'ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms ' +
  'mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ' +
  'ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw ' +
  'tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw';

/** A lowercase ISO 3166-1 alpha-2 code, or null. "UK" is accepted as gb, a common CRM spelling. */
export function countryCode(raw: string): string | null {
  const code = raw.trim().toLowerCase();
  if (code === 'uk') return 'gb';
  // Two letters can only match a whole code in the space-separated list.
  return /^[a-z]{2}$/.test(code) && COUNTRY_CODES.includes(code) ? code : null;
}

// Meta's "is it international?" test, on digits: a US number is 1 + 10 digits; a leading 0 that
// survives dropping "00" is a national trunk prefix.
function looksInternational(digits: string): boolean {
  const rest = digits.replace(/^0{0,2}/, '');
  if (rest.startsWith('0')) return false;
  if (rest.startsWith('1')) return /^1\d{10}$/.test(rest);
  return rest.length >= 7;
}

function metaPhone(value: string): string | null {
  let digits = value.replace(/\D/g, '');
  if (looksInternational(digits)) digits = digits.replace(/^0{0,2}/, '');
  return digits.length >= 7 && digits.length <= 15 ? digits : null;
}

function metaGender(value: string): string | null {
  const g = value.replace(/[^a-z]/g, '');
  return g === 'f' || g === 'female' ? 'f' : g === 'm' || g === 'male' ? 'm' : null;
}

// YYYYMMDD; also accepts YYYY-MM-DD and the like, which the SDK would hash unchanged and unmatchable.
function metaBirthdate(value: string): string | null {
  const d = value.replace(/[-/. ]/g, '');
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d);
  return m && +m[2]! >= 1 && +m[2]! <= 12 && +m[3]! >= 1 && +m[3]! <= 31 ? d : null;
}

function metaZip(value: string): string | null {
  const zip = value.replace(/\s/g, '').split('-', 1)[0]!;
  return zip.length >= 2 ? zip : null;
}

/** Meta's normalization of one user_data field, before hashing; null when Meta would refuse it. */
export function metaNormalize(field: MetaField, raw: string): string | null {
  const value = String(raw).trim().toLowerCase();
  if (!value) return null;
  if (isSha256Hex(value)) return value;
  switch (field) {
    case 'em':
      return value.length <= 254 && META_EMAIL.test(value) ? value : null;
    case 'ph':
      return metaPhone(value);
    case 'fn':
    case 'ln':
      return value.normalize('NFC');
    case 'ct':
    case 'st':
      return value.normalize('NFC').replace(/[\d\s().-]/g, '') || null;
    case 'zp':
      return metaZip(value);
    case 'country':
      return countryCode(value);
    case 'ge':
      return metaGender(value);
    case 'db':
      return metaBirthdate(value);
    case 'external_id':
      return value;
  }
}

// ---- Google, Microsoft, TikTok, LinkedIn

/** Google: trim + lowercase; for gmail.com / googlemail.com drop dots and any +suffix in the local part. */
export function googleNormalizeEmail(raw: string): string | null {
  const email = normalizeEmail(raw);
  if (!email) return null;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (domain !== 'gmail.com' && domain !== 'googlemail.com') return email;
  const local = email.slice(0, at).split('+')[0]!.replace(/\./g, '');
  return local ? `${local}@${domain}` : null;
}

/**
 * E.164 ("+16505551212"). A number needs its country code: a leading "+" or "00", or
 * `defaultCallingCode` (e.g. "44") for national numbers, whose trunk 0 is dropped. A lone
 * 1 + 10 digits is read as North American. Letters (extensions, "call me") make it null.
 */
export function toE164(raw: string, defaultCallingCode?: string): string | null {
  // "+49 (0)30 ..." writes the national trunk prefix in brackets: not part of the number.
  const value = String(raw).trim().replace(/\(0\)/g, '');
  if (!/^\+?[\d\s().\/-]+$/.test(value)) return null;
  let digits = value.replace(/\D/g, '');
  if (value.startsWith('+')) {
    // already international
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
  } else if (defaultCallingCode) {
    digits = defaultCallingCode.replace(/\D/g, '') + digits.replace(/^0/, '');
  } else if (!/^1\d{10}$/.test(digits)) {
    return null;
  }
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : null;
}

/** Reddit: trim + lowercase, then drop dots and any +suffix in the local part (Reddit's rule, all domains). */
export function redditNormalizeEmail(raw: string): string | null {
  const email = normalizeEmail(raw);
  if (!email) return null;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).split('+')[0]!.replace(/\./g, '');
  return local ? `${local}${email.slice(at)}` : null;
}

function normalizeName(raw: string): string | null {
  return String(raw).trim().toLowerCase().normalize('NFC') || null;
}

// ---- One entry point per platform and field

export type HashPlatform = 'meta' | 'google' | 'linkedin' | 'microsoft' | 'tiktok' | 'reddit' | 'openai';
export type IdentityField =
  | 'email'
  | 'phone'
  | 'first_name'
  | 'last_name'
  | 'city'
  | 'state'
  | 'zip'
  | 'country'
  | 'external_id'
  | 'gender'
  | 'birthdate'
  | 'company_name'
  | 'job_title';

// Meta has no company or job title field: those two are never hashed for Meta.
export const META_FIELD_OF: Record<Exclude<IdentityField, 'company_name' | 'job_title'>, MetaField> = {
  email: 'em',
  phone: 'ph',
  first_name: 'fn',
  last_name: 'ln',
  city: 'ct',
  state: 'st',
  zip: 'zp',
  country: 'country',
  external_id: 'external_id',
  gender: 'ge',
  birthdate: 'db',
};

type Normalizer = (raw: string) => string | null;

// Only the fields each platform takes hashed. LinkedIn's names and Google's address parts other than
// names travel in clear, so they are absent here.
const HASHED: Record<Exclude<HashPlatform, 'meta'>, Partial<Record<IdentityField, Normalizer>>> = {
  google: { email: googleNormalizeEmail, phone: (v) => toE164(v), first_name: normalizeName, last_name: normalizeName },
  linkedin: { email: normalizeEmail },
  microsoft: { email: normalizeEmail, phone: (v) => toE164(v) },
  tiktok: { email: normalizeEmail, phone: (v) => toE164(v), external_id: (v) => String(v).trim() || null },
  openai: { email: normalizeEmail, external_id: (v) => String(v).trim() || null },
  reddit: { email: redditNormalizeEmail, phone: (v) => toE164(v), external_id: (v) => String(v).trim() || null },
};

/** The value a platform hashes for a field (not yet hashed); null when invalid or not hashed there. */
export function normalizeFor(platform: HashPlatform, field: IdentityField, raw: string): string | null {
  if (platform === 'meta')
    return field === 'company_name' || field === 'job_title' ? null : metaNormalize(META_FIELD_OF[field], raw);
  const normalize = HASHED[platform][field];
  return normalize ? normalize(raw) : null;
}

/** SHA-256 hex as the platform expects it; a value that already is a SHA-256 hex is passed through. */
export async function hashFor(platform: HashPlatform, field: IdentityField, raw: string): Promise<string | null> {
  if (platform === 'meta' ? field === 'company_name' || field === 'job_title' : !HASHED[platform][field]) return null;
  const prehashed = String(raw).trim().toLowerCase();
  if (isSha256Hex(prehashed)) return prehashed;
  const value = normalizeFor(platform, field, raw);
  return value === null ? null : sha256Hex(value);
}
