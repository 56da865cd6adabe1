// Match coverage over time, per destination: weekly counters (kept by each DestinationObject as it
// builds rows) turned into shares per key, the mean score, and the one missing key whose absence
// costs the most score, with what fixes it. Pure: the counters come in, the report goes out.
import type { DestinationType } from '../../shared/schemas/destinations';
import { DAY_MS } from './click-choice';
import { MATCH_KEYS, type MatchKey } from './match-keys';
import { clickKeyOf, weightsFor, type MatchCoverage } from './match-coverage';

export const WEEK_MS = 7 * DAY_MS;
// Weeks start on Monday 00:00 UTC; 1970-01-01 was a Thursday, so Monday 1970-01-05 starts week 0.
const MONDAY_OFFSET_MS = 4 * DAY_MS;

/** The week (Monday-start, UTC) holding `ms`. */
export const weekOf = (ms: number): number => Math.floor((ms - MONDAY_OFFSET_MS) / WEEK_MS);
/** The first millisecond of a week. */
export const weekStart = (week: number): number => week * WEEK_MS + MONDAY_OFFSET_MS;

/** The counters of one week in one destination. `keys` also counts 'originating_click'. */
export interface CoverageWeek {
  week: number;
  conversions: number;
  scoreSum: number;
  keys: Partial<Record<MatchKey | 'originating_click', number>>;
}

/** Adds one built conversion's coverage to its week's counters. */
export function countCoverage(w: CoverageWeek, c: MatchCoverage): CoverageWeek {
  const keys = { ...w.keys };
  for (const k of c.keys) keys[k] = (keys[k] ?? 0) + 1;
  if (c.originatingClick) keys.originating_click = (keys.originating_click ?? 0) + 1;
  return { week: w.week, conversions: w.conversions + 1, scoreSum: w.scoreSum + c.score, keys };
}

export type CoverageKey = MatchKey | 'originating_click';

/** What fixes each missing key (the sentence after "N% of Meta conversions lack X: "). */
export const ADVICE: Record<CoverageKey, { label: string; fix: string }> = {
  click_id: {
    label: 'a click ID',
    fix: 'install the tag on every page ads land on and on the app’s domain, and identify signups with the visitor’s anonymous id (docs/install.md)',
  },
  originating_click: {
    label: 'a click inside the platform’s click window',
    fix: 'the click sent is older than the window the platform credits; send an earlier stage (e.g. signup) as its own conversion so it arrives within the window',
  },
  fbc: {
    label: 'fbc',
    fix: 'install the tag on every page Meta ads land on and keep fbclid in landing URLs (no redirect that drops query parameters)',
  },
  fbp: {
    label: 'fbp',
    fix: 'install the tag on the app’s domain with the Meta pixel present (the tag reads its _fbp cookie), or serve the collector first-party',
  },
  email: { label: 'a hashed email', fix: 'identify people with their email (every conversion normally carries it)' },
  phone: {
    label: 'a phone number',
    fix: 'map a phone field on the Identity page (e.g. crm.phone) and keep country codes in the CRM',
  },
  name_address: {
    label: 'name and address',
    fix: 'map first name, last name, city, region, postal code and country on the Identity page',
  },
  ip_user_agent: {
    label: 'IP address and user agent',
    fix: 'identify from the browser (the tag records them), or pass context.ip and context.userAgent in server-side Segment identifies',
  },
  external_id: { label: 'an external id', fix: 'map the CRM record id to External id on the Identity page' },
  consent: {
    label: 'a consent signal',
    fix: 'pass the visitor’s consent to the tag (consent mode), or set the destination’s default for your region',
  },
};

export const PLATFORM_LABELS: Record<DestinationType, string> = {
  meta: 'Meta',
  google_data_manager: 'Google',
  google_ads: 'Google',
  microsoft_ads: 'Microsoft',
  linkedin: 'LinkedIn',
  reddit: 'Reddit',
  tiktok: 'TikTok',
  openai_ads: 'ChatGPT Ads',
};

export interface CoverageSummary {
  conversions: number;
  /** Mean score 0..10 (one decimal), null without conversions. */
  meanScore: number | null;
  /** Share 0..1 of conversions carrying each key (and an originating click). */
  shares: Partial<Record<CoverageKey, number>>;
}

export interface Lift {
  key: CoverageKey;
  /** Share 0..1 of conversions lacking it. */
  missing: number;
  /** Mean score points gained if every conversion carried it. */
  gain: number;
  fix: string;
  sentence: string;
}

function summarize(weeks: CoverageWeek[]): CoverageSummary {
  const n = weeks.reduce((a, w) => a + w.conversions, 0);
  const scoreSum = weeks.reduce((a, w) => a + w.scoreSum, 0);
  const shares: CoverageSummary['shares'] = {};
  for (const k of [...MATCH_KEYS, 'originating_click'] as CoverageKey[]) {
    const c = weeks.reduce((a, w) => a + (w.keys[k] ?? 0), 0);
    if (n) shares[k] = c / n;
  }
  return { conversions: n, meanScore: n ? Math.round((scoreSum / n) * 10) / 10 : null, shares };
}

/**
 * The missing key that would lift the mean score most: for each scored key, the share lacking it
 * times its weight; a click sent outside the window would gain the half it lost.
 */
export function biggestLift(type: DestinationType | string, s: CoverageSummary): Lift | null {
  if (!s.conversions) return null;
  const w = weightsFor(type);
  const clickKey = clickKeyOf(type);
  const label = PLATFORM_LABELS[type as DestinationType] ?? type;
  const candidates: Lift[] = [];
  for (const [k, weight] of Object.entries(w) as [MatchKey, number][]) {
    const missing = 1 - (s.shares[k] ?? 0);
    if (missing > 0) candidates.push({ key: k, missing, gain: missing * weight, fix: ADVICE[k].fix, sentence: '' });
  }
  if (w[clickKey]) {
    const stale = (s.shares[clickKey] ?? 0) - (s.shares.originating_click ?? 0);
    if (stale > 0)
      candidates.push({
        key: 'originating_click',
        missing: stale,
        gain: (stale * w[clickKey]!) / 2,
        fix: ADVICE.originating_click.fix,
        sentence: '',
      });
  }
  const best = candidates.sort((a, b) => b.gain - a.gain)[0];
  if (!best || best.gain <= 0) return null;
  const pct = Math.round(best.missing * 100);
  best.gain = Math.round(best.gain * 10) / 10;
  best.sentence =
    best.key === 'originating_click'
      ? `${pct}% of ${label} conversions carry a click older than ${label}’s click window: ${best.fix}`
      : `${pct}% of ${label} conversions lack ${ADVICE[best.key].label}: ${best.fix}`;
  return best;
}

export interface DestinationCoverage {
  weeks: ({ week: string } & CoverageSummary)[];
  total: CoverageSummary;
  lift: Lift | null;
}

/** A destination's report over the `count` weeks ending with the week of `now` (oldest first). */
export function coverageReport(
  type: DestinationType | string,
  counters: CoverageWeek[],
  count: number,
  now: number,
): DestinationCoverage {
  const last = weekOf(now);
  const range = Array.from({ length: count }, (_, i) => last - count + 1 + i);
  const byWeek = new Map(counters.map((c) => [c.week, c]));
  const weeks = range.map((wk) => ({
    week: new Date(weekStart(wk)).toISOString().slice(0, 10),
    ...summarize(byWeek.has(wk) ? [byWeek.get(wk)!] : []),
  }));
  const total = summarize(counters.filter((c) => c.week >= range[0]! && c.week <= last));
  return { weeks, total, lift: biggestLift(type, total) };
}
