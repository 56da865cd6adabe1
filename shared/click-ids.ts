// The click-ID registry: which URL params and cookies carry ad click IDs, whose they are, how long they
// are worth keeping, and what a plausible value looks like. Shared by the tag (bundled, so kept small)
// and the collector. Values are opaque and case-sensitive: stored exactly as received, never changed.

export const PLATFORMS = [
  'google',
  'meta',
  'microsoft',
  'linkedin',
  'tiktok',
  'x',
  'reddit',
  'snapchat',
  'pinterest',
  'quora',
] as const;
export type Platform = (typeof PLATFORMS)[number];

// Click IDs: URL param names, exact case.
export const CLICK_KINDS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'li_fat_id',
  'ttclid',
  'twclid',
  'rdt_cid',
  'ScCid',
  'epik',
  'qclid',
] as const;
export type ClickKind = (typeof CLICK_KINDS)[number];

// Browser ids harvested from other tags' cookies: match keys sent beside a click, never a click
// themselves, so they must not win "newest click of the platform".
export const BROWSER_ID_KINDS = ['fbp', 'ttp', 'rdt_uuid'] as const;
export type BrowserIdKind = (typeof BROWSER_ID_KINDS)[number];

export type TouchKind = ClickKind | BrowserIdKind;

type Entry = readonly [platform: Platform, days: number, format: RegExp];

// Loose on purpose: a too-strict check silently loses conversions when a platform changes its
// format. It only keeps out junk (spaces, quotes, '<', control chars, absurd lengths).
const TOKEN = /^[\w.~+/=:-]{4,500}$/;
const LONG_TOKEN = /^[\w.~+/=:-]{8,500}$/;

// Days: the platform's longest click window where documented (Google, Microsoft and LinkedIn 90,
// TikTok 28); Meta's _fbc cookie lives 90 days; 90 elsewhere (our retention ceiling).
const REGISTRY: Record<TouchKind, Entry> = {
  gclid: ['google', 90, LONG_TOKEN],
  gbraid: ['google', 90, LONG_TOKEN],
  wbraid: ['google', 90, LONG_TOKEN],
  dclid: ['google', 90, LONG_TOKEN],
  fbclid: ['meta', 90, LONG_TOKEN],
  // 32 hex (a GUID without dashes); UET may add "-0"/"-1"; allow the dashed GUID too.
  msclkid: ['microsoft', 90, /^[\dA-Fa-f-]{32,40}$/],
  li_fat_id: ['linkedin', 90, TOKEN],
  ttclid: ['tiktok', 28, LONG_TOKEN],
  twclid: ['x', 90, TOKEN],
  rdt_cid: ['reddit', 90, TOKEN],
  ScCid: ['snapchat', 90, TOKEN],
  epik: ['pinterest', 90, TOKEN],
  qclid: ['quora', 90, TOKEN],
  fbp: ['meta', 90, /^fb\.\d{1,2}\.\d{13}\.[\w-]{1,100}(\.[\w-]{1,16})?$/],
  ttp: ['tiktok', 90, TOKEN],
  // Reddit pixel's browser id: <creation ms>.<uuid>, sent whole as user.uuid.
  rdt_uuid: ['reddit', 90, /^\d{13}\.[\w.-]{8,200}$/],
};

const DAY_MS = 86_400_000;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function isTouchKind(kind: string): kind is TouchKind {
  return own(REGISTRY, kind);
}

export function isClickKind(kind: string): kind is ClickKind {
  return isTouchKind(kind) && !(BROWSER_ID_KINDS as readonly string[]).includes(kind);
}

export function platformOf(kind: TouchKind): Platform {
  return REGISTRY[kind][0];
}

export function lifetimeMs(kind: TouchKind): number {
  return REGISTRY[kind][1] * DAY_MS;
}

export function isValidClickId(kind: string, value: unknown): boolean {
  return isTouchKind(kind) && typeof value === 'string' && REGISTRY[kind][2].test(value);
}

export type FoundClickId = { kind: ClickKind; value: string };

// Built on first use (not at load): the tag bundles this module without this function.
let mayHoldClickId: RegExp | undefined;

// Known click IDs in a query string ("?a=b&gclid=...", or a whole URL), in registry order; the first
// valid value of a repeated param wins. Param names match case-sensitively, as platforms write them.
export function clickIdsFromSearch(search: string): FoundClickId[] {
  // Most URLs an event carries hold no click ID: those skip the parse. A percent sign may hide an
  // encoded name, so such a URL is parsed whatever it holds.
  mayHoldClickId ??= new RegExp(`%|${CLICK_KINDS.join('|')}`);
  if (!mayHoldClickId.test(search)) return [];
  const params = new URLSearchParams(search.slice(search.indexOf('?') + 1).split('#')[0]);
  const found: FoundClickId[] = [];
  for (const kind of CLICK_KINDS) {
    const value = params.getAll(kind).find((v) => isValidClickId(kind, v));
    if (value !== undefined) found.push({ kind, value });
  }
  return found;
}

export type ParsedCookie = {
  kind: TouchKind;
  value: string;
  /** Epoch ms the cookie's writer recorded, when its format carries one. */
  firstSeen?: number;
  /** The whole cookie, when a platform wants it sent as written (Meta's fbc). */
  raw?: string;
};

// Cookies other tags write that hold a click or browser id: the kind, and the cookie's format with
// named groups: v the id, t the writer's time in ms (s: in seconds), r the whole cookie when a
// platform wants it sent as written.
const GCL = /^GCL\.(?<s>\d{10})\.(?<v>.+)$/;
const WHOLE = /^(?<v>.*)$/;
const COOKIES = {
  // fb.<domain index>.<creation ms>.<fbclid>[.<appendix>] (Meta's param builder)
  _fbc: ['fbclid', /^(?<r>fb\.\d{1,2}\.(?<t>\d{13})\.(?<v>[^.]+)(?:\.[\w-]{1,16})?)$/],
  _fbp: ['fbp', /^(?<v>fb\.\d+\.(?<t>\d+)\..*)$/],
  // GCL.<unix seconds>.<click id>
  _gcl_aw: ['gclid', GCL],
  _gcl_gb: ['gbraid', GCL],
  _uetmsclkid: ['msclkid', /^_uet(?<v>.*)$/],
  li_fat_id: ['li_fat_id', WHOLE],
  _ttp: ['ttp', WHOLE],
  _rdt_uuid: ['rdt_uuid', /^(?<v>(?<t>\d{13})\..*)$/],
} satisfies Record<string, [TouchKind, RegExp]>;

export const CLICK_COOKIES = /* @__PURE__ */ Object.keys(COOKIES) as (keyof typeof COOKIES)[];

// _fbc is harvested as kind 'fbclid' so it lands on the same touch as the URL's fbclid; `raw` keeps
// the cookie, so Meta's fbc is `raw` when present, else fb.1.<firstSeen>.<fbclid>.
export function parseClickCookie(name: string, value: string): ParsedCookie | null {
  if (!own(COOKIES, name) || typeof value !== 'string') return null;
  const [kind, format] = COOKIES[name as keyof typeof COOKIES] as [TouchKind, RegExp];
  const { v, t, s, r } = format.exec(value)?.groups || {};
  const time = t ? +t : s && +s * 1000;
  return isValidClickId(kind, v) ? { kind, value: v!, ...(time && { firstSeen: time }), ...(r && { raw: r }) } : null;
}
