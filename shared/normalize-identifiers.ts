// Identifiers beyond the email, as each platform wants them (shared/normalize.ts has the per-field
// hashing rules): country names to ISO codes, national phone numbers to E.164 when the person's
// country is known, Google Data Manager's AddressInfo, LinkedIn's plain-text userInfo.
import { countryCode, isSha256Hex, sha256Hex, toE164, type IdentityField } from './normalize';

// Names CRMs commonly hold instead of a code (HubSpot's country is free text). English names of every
// code come from Intl.DisplayNames where the runtime has it; these are the other common spellings.
const ALIASES: Record<string, string> = {
  usa: 'us',
  'u.s.': 'us',
  'u.s.a.': 'us',
  'united states of america': 'us',
  america: 'us',
  uk: 'gb',
  'u.k.': 'gb',
  'great britain': 'gb',
  britain: 'gb',
  england: 'gb',
  scotland: 'gb',
  wales: 'gb',
  'northern ireland': 'gb',
  deutschland: 'de',
  holland: 'nl',
  'the netherlands': 'nl',
  españa: 'es',
  italia: 'it',
  brasil: 'br',
  méxico: 'mx',
  schweiz: 'ch',
  suisse: 'ch',
  svizzera: 'ch',
  österreich: 'at',
  sverige: 'se',
  norge: 'no',
  danmark: 'dk',
  suomi: 'fi',
  polska: 'pl',
  éire: 'ie',
  'south korea': 'kr',
  'korea, republic of': 'kr',
  russia: 'ru',
  'czech republic': 'cz',
  türkiye: 'tr',
  turkey: 'tr',
  uae: 'ae',
};

let names: Map<string, string> | null = null;
function englishNames(): Map<string, string> {
  if (names) return names;
  names = new Map();
  try {
    const display = new Intl.DisplayNames(['en'], { type: 'region' });
    for (let a = 97; a <= 122; a++)
      for (let b = 97; b <= 122; b++) {
        const code = String.fromCharCode(a, b);
        if (countryCode(code) !== code) continue;
        const name = display.of(code.toUpperCase());
        if (name && name.toUpperCase() !== code.toUpperCase()) names.set(name.toLowerCase(), code);
      }
  } catch {
    // No ICU region names here: codes and the aliases still work.
  }
  return names;
}

/** A lowercase ISO 3166-1 alpha-2 code from a code or a country's name; null when not recognized. */
export function countryCodeOf(raw: string): string | null {
  const value = String(raw).trim().toLowerCase().replace(/\s+/g, ' ');
  return countryCode(value) ?? ALIASES[value] ?? englishNames().get(value) ?? null;
}

// Country calling codes of common markets, for numbers stored without one (e.g. "020 7946 0958" of a
// person in GB). A country not listed keeps its number as written (platforms then refuse or keep it).
const CALLING: Record<string, string> = {
  us: '1',
  ca: '1',
  gb: '44',
  ie: '353',
  de: '49',
  at: '43',
  ch: '41',
  fr: '33',
  be: '32',
  nl: '31',
  lu: '352',
  es: '34',
  pt: '351',
  it: '39',
  se: '46',
  no: '47',
  dk: '45',
  fi: '358',
  is: '354',
  pl: '48',
  cz: '420',
  sk: '421',
  hu: '36',
  ro: '40',
  bg: '359',
  gr: '30',
  hr: '385',
  si: '386',
  ee: '372',
  lv: '371',
  lt: '370',
  au: '61',
  nz: '64',
  in: '91',
  jp: '81',
  kr: '82',
  sg: '65',
  hk: '852',
  tw: '886',
  cn: '86',
  br: '55',
  mx: '52',
  ar: '54',
  cl: '56',
  co: '57',
  za: '27',
  il: '972',
  ae: '971',
  tr: '90',
};

/**
 * The phone in E.164 when it can be: written with its country code, or national with the person's
 * country known; otherwise the value as written (each platform's own rule then keeps or refuses it).
 */
export function canonicalPhone(raw: string, country?: string | null): string {
  const code = country ? countryCodeOf(country) : null;
  const calling = code ? CALLING[code] : undefined;
  // North American national numbers are 10 digits (an optional leading 1 aside): shorter ones are no number.
  const national =
    calling === '1' && !/^\+|^00/.test(raw.trim()) && raw.replace(/\D/g, '').replace(/^1(?=\d{10}$)/, '').length !== 10
      ? null
      : calling;
  return toE164(raw) ?? (national ? toE164(raw, national) : null) ?? raw;
}

/** The raw identifiers made canonical: country names become codes, national phones E.164 where possible. */
export function canonicalIdentifiers(
  ids: Partial<Record<IdentityField, string>>,
): Partial<Record<IdentityField, string>> {
  const out = { ...ids };
  if (out.country) out.country = countryCodeOf(out.country) ?? out.country;
  if (out.phone && !isSha256Hex(out.phone.trim().toLowerCase())) out.phone = canonicalPhone(out.phone, out.country);
  return out;
}

// ---- Google Data Manager AddressInfo (developers.google.com/data-manager/api/devguides/concepts/formatting)

const PREFIXES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame']);
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'dds', 'mba']);

/** Given name: lowercase, trimmed, without a leading prefix such as "Mrs." (Google's rule); null when empty. */
export function googleGivenName(raw: string): string | null {
  const words = String(raw).trim().toLowerCase().normalize('NFC').split(/\s+/);
  while (words.length > 1 && PREFIXES.has(words[0]!.replace(/\.$/, ''))) words.shift();
  return words.join(' ') || null;
}

/** Family name: lowercase, trimmed, without a trailing suffix such as "Jr." (Google's rule); null when empty. */
export function googleFamilyName(raw: string): string | null {
  const words = String(raw).trim().toLowerCase().normalize('NFC').replace(/,/g, ' ').trim().split(/\s+/);
  while (words.length > 1 && SUFFIXES.has(words[words.length - 1]!.replace(/\./g, ''))) words.pop();
  return words.join(' ') || null;
}

/** Postal code: trimmed; a US code is 5 digits or 5+4 ("94025-1234"); elsewhere without an extension. */
export function googlePostalCode(raw: string, regionCode: string): string | null {
  const value = String(raw).trim().toUpperCase().replace(/\s+/g, ' ');
  if (regionCode === 'US') {
    const m = /^(\d{5})(?:[- ]?(\d{4}))?$/.exec(value);
    return m ? (m[2] ? `${m[1]}-${m[2]}` : m[1]!) : null;
  }
  return value.length >= 2 && value.length <= 16 ? value : null;
}

export interface GoogleAddress {
  /** Normalized, not yet hashed. */
  givenName: string;
  familyName: string;
  /** ISO 3166-1 alpha-2, uppercase; sent in clear. */
  regionCode: string;
  /** Sent in clear. */
  postalCode: string;
}

/** Google's AddressInfo needs all four parts; null when one is missing or invalid. */
export function googleNormalizeAddress(ids: Partial<Record<IdentityField, string>>): GoogleAddress | null {
  const country = ids.country ? countryCodeOf(ids.country) : null;
  if (!ids.first_name || !ids.last_name || !country || !ids.zip) return null;
  const regionCode = country.toUpperCase();
  const givenName = googleGivenName(ids.first_name);
  const familyName = googleFamilyName(ids.last_name);
  const postalCode = googlePostalCode(ids.zip, regionCode);
  return givenName && familyName && postalCode ? { givenName, familyName, regionCode, postalCode } : null;
}

// ---- LinkedIn user.userInfo: plain text (ad-platforms.md §3.3)

export interface LinkedInUserInfo {
  firstName: string;
  lastName: string;
  companyName?: string;
  title?: string;
  countryCode?: string;
}

const clip = (v: string | undefined, max: number) => {
  const t = v?.trim().replace(/\s+/g, ' ');
  return t ? [...t].slice(0, max).join('') : undefined;
};

/** First and last name are both required; the rest is added when known. Nothing is hashed. */
export function linkedinUserInfo(ids: Partial<Record<IdentityField, string>>): LinkedInUserInfo | null {
  const firstName = clip(ids.first_name, 35);
  const lastName = clip(ids.last_name, 35);
  if (!firstName || !lastName || isSha256Hex(firstName.toLowerCase()) || isSha256Hex(lastName.toLowerCase()))
    return null;
  const country = ids.country ? countryCodeOf(ids.country) : null;
  const companyName = clip(ids.company_name, 100);
  const title = clip(ids.job_title, 100);
  return {
    firstName,
    lastName,
    ...(companyName ? { companyName } : {}),
    ...(title ? { title } : {}),
    ...(country ? { countryCode: country.toUpperCase() } : {}),
  };
}

/** The Data Manager `address` identifier: names SHA-256 hex (a value already hashed passes through), region and postal code in clear. */
export async function googleHashedAddress(
  ids: Partial<Record<IdentityField, string>>,
): Promise<{ givenName: string; familyName: string; regionCode: string; postalCode: string } | null> {
  const a = googleNormalizeAddress(ids);
  if (!a) return null;
  const hash = (v: string) => (isSha256Hex(v) ? v : sha256Hex(v));
  return {
    givenName: await hash(a.givenName),
    familyName: await hash(a.familyName),
    regionCode: a.regionCode,
    postalCode: a.postalCode,
  };
}
