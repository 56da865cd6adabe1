// Match coverage of one built conversion: the match keys its item carries, whether the click ID in
// it is the originating one (the person's newest click of that platform before the event, inside
// the platform's click window), and a 0-10 score on the platform's weighting. Computed once, when
// the row is built, and stored with it: the log shows what was sent, not a later recomputation.
//
// Weights (docs/delivery.md, "Match coverage"):
// - Meta: the Event Match Quality parameters in the priority Meta publishes (Conversions API best
//   practices and customer information parameters: em, ph, fn+ln, client_ip_address +
//   client_user_agent, fbc, fbp, external_id are the valuable keys; fbc is the strongest
//   click-attribution signal; the parameter builder's "high-priority match keys" are fbc, fbp and
//   the IP). Meta publishes the order, not numbers: the points below follow that order and add up
//   to 10, Events Manager's own scale. They estimate EMQ; Meta's score also weighs how many events
//   it matched.
// - Google, Microsoft, LinkedIn, Reddit, TikTok, ChatGPT Ads publish no weighting: ours, the same
//   for all: the originating click ID dominates, then email, phone, IP + user agent, name + address,
//   external id; scaled to 10 over the keys the platform's API takes, so a platform is never marked
//   down for a field it has no place for.
// A click ID outside the platform's click window counts half: it travels, but may no longer be
// credited. Consent is shown, never scored: it decides whether a platform may use the keys, not how
// well they match.
import type { DestinationType } from '../../shared/schemas/destinations';
import { lifetimeMs, type TouchKind } from '../../shared/click-ids';
import { matchKeys, type MatchKey } from './match-keys';
import { DAY_MS } from './click-choice';
import type { ConversionRow } from './types';

export interface MatchCoverage {
  /** The match keys the item carries (match-keys.ts), in MATCH_KEYS order. */
  keys: MatchKey[];
  /** Whether the click ID carried is the originating one; null when no click ID travels. */
  originatingClick: boolean | null;
  /** 0..10, one decimal. */
  score: number;
  /** 'meta_emq': Meta's published priority; 'ours': our simple scheme (see above). */
  scheme: 'meta_emq' | 'ours';
}

type Weights = Partial<Record<MatchKey, number>>;

/** Meta's Event Match Quality parameters, in Meta's published priority; sums to 10. */
export const META_WEIGHTS: Weights = {
  email: 3,
  fbc: 2.5,
  phone: 1.5,
  ip_user_agent: 1,
  fbp: 1,
  external_id: 0.5,
  name_address: 0.5,
};

/** Our scheme for platforms that publish no weighting (before scaling to the keys each one takes). */
export const SIMPLE_WEIGHTS: Weights = {
  click_id: 5,
  email: 2.5,
  phone: 1,
  ip_user_agent: 1,
  name_address: 0.5,
  external_id: 0.5,
};

/** The scored keys each platform's API takes (what its builder can put in an item). */
const ACCEPTS: Record<DestinationType, MatchKey[]> = {
  meta: ['email', 'fbc', 'phone', 'ip_user_agent', 'fbp', 'external_id', 'name_address'],
  google_data_manager: ['click_id', 'email', 'phone', 'ip_user_agent', 'name_address'],
  google_ads: ['click_id', 'email', 'phone'],
  microsoft_ads: ['click_id', 'email', 'phone'],
  linkedin: ['click_id', 'email', 'name_address'],
  reddit: ['click_id', 'email', 'phone', 'ip_user_agent', 'external_id'],
  tiktok: ['click_id', 'email', 'phone', 'ip_user_agent', 'external_id'],
  openai_ads: ['email', 'ip_user_agent', 'external_id'],
};

/** A platform's click kinds, and its click window: the longest click-through window it documents (the registry's days; Reddit documents none, so the 90 days a click is kept). */
const CLICKS: Partial<Record<DestinationType, { kinds: TouchKind[]; windowMs: number }>> = {
  // Meta credits clicks up to 7 days (its longest click-through attribution setting); the fbc itself lives 90.
  meta: { kinds: ['fbclid'], windowMs: 7 * DAY_MS },
  google_data_manager: { kinds: ['gclid', 'gbraid', 'wbraid'], windowMs: lifetimeMs('gclid') },
  google_ads: { kinds: ['gclid', 'gbraid', 'wbraid'], windowMs: lifetimeMs('gclid') },
  microsoft_ads: { kinds: ['msclkid'], windowMs: lifetimeMs('msclkid') },
  linkedin: { kinds: ['li_fat_id'], windowMs: lifetimeMs('li_fat_id') },
  reddit: { kinds: ['rdt_cid'], windowMs: lifetimeMs('rdt_cid') },
  tiktok: { kinds: ['ttclid'], windowMs: lifetimeMs('ttclid') },
};

/** The weight of each key a platform takes, scaled so that carrying all of them scores 10. */
export function weightsFor(type: DestinationType | string): Weights {
  if (type === 'meta') return META_WEIGHTS;
  const accepts = ACCEPTS[type as DestinationType] ?? [];
  const total = accepts.reduce((a, k) => a + (SIMPLE_WEIGHTS[k] ?? 0), 0);
  return Object.fromEntries(accepts.map((k) => [k, ((SIMPLE_WEIGHTS[k] ?? 0) * 10) / total]));
}

/** The weight that decides a click's credit: Meta's fbc, everyone else's click_id. */
export const clickKeyOf = (type: DestinationType | string): MatchKey => (type === 'meta' ? 'fbc' : 'click_id');

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The click ID value an item carries, as the platform receives it. */
export function carriedClick(type: DestinationType | string, item: unknown): string | null {
  const i = obj(item);
  switch (type) {
    case 'meta':
      // fb.<subdomain index>.<ms>.<fbclid>[.<appendix>]
      return str(obj(i.user_data).fbc)?.split('.')[3] ?? null;
    case 'google_data_manager': {
      const ad = obj(i.adIdentifiers);
      return str(ad.gclid) ?? str(ad.gbraid) ?? str(ad.wbraid);
    }
    case 'google_ads':
      return str(i.gclid) ?? str(i.gbraid) ?? str(i.wbraid);
    case 'microsoft_ads':
      return str(i.MicrosoftClickId);
    case 'linkedin': {
      const ids = obj(i.user).userIds;
      const li = Array.isArray(ids)
        ? ids.map(obj).find((u) => u.idType === 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID')
        : undefined;
      return li ? str(li.idValue) : null;
    }
    case 'reddit':
      return str(i.click_id);
    case 'tiktok':
      return str(obj(i.user).ttclid);
    default:
      return null;
  }
}

/**
 * Whether `value` is the person's originating click on this platform: the newest of its click kinds
 * seen before the event, first seen no longer ago than the platform's click window.
 */
export function isOriginating(
  type: DestinationType | string,
  value: string,
  row: Pick<ConversionRow, 'touches' | 'eventTime'>,
  now: number,
): boolean {
  const c = CLICKS[type as DestinationType];
  if (!c) return false;
  const eventMs = Math.min(row.eventTime * 1000, now);
  let newest: { value: string; firstSeen: number } | null = null;
  for (const t of row.touches) {
    if (!(c.kinds as string[]).includes(t.kind) || t.firstSeen > eventMs) continue;
    if (!newest || t.firstSeen > newest.firstSeen) newest = t;
  }
  // startsWith: Microsoft receives the msclkid without the "-0" / "-1" suffix UET may add.
  return !!newest && newest.value.startsWith(value) && eventMs - newest.firstSeen <= c.windowMs;
}

/** The 0..10 score of a set of keys on a platform's weighting; a stale click counts half. */
export function scoreOf(
  type: DestinationType | string,
  keys: readonly MatchKey[],
  originatingClick: boolean | null,
): number {
  const w = weightsFor(type);
  const clickKey = clickKeyOf(type);
  let score = 0;
  for (const k of keys) score += (w[k] ?? 0) * (k === clickKey && originatingClick === false ? 0.5 : 1);
  return Math.round(score * 10) / 10;
}

/** The coverage of a built item for `row` (at hand-off, or in the audit before sending). */
export function matchCoverage(
  type: DestinationType | string,
  item: unknown,
  row: Pick<ConversionRow, 'touches' | 'eventTime'>,
  now: number,
): MatchCoverage {
  const keys = matchKeys(type, item);
  const click = carriedClick(type, item);
  const originatingClick = click === null ? null : isOriginating(type, click, row, now);
  return {
    keys,
    originatingClick,
    score: scoreOf(type, keys, originatingClick),
    scheme: type === 'meta' ? 'meta_emq' : 'ours',
  };
}
