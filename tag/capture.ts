import { clickIdsFromSearch } from '../shared/click-ids';
import type { Touch } from './ledger';

/**
 * The click IDs in a URL (its query, or a hash route's query), values exactly as received, with the
 * landing URL, the referrer and the time. (Other tags' cookies are harvested by the sender, harvest.ts.)
 */
export function capture(href: string, referrer: string, now: number): Touch[] {
  // URLs cut to 1 KB keep 50 touches well under the collector's 64 KB batch.
  return clickIdsFromSearch(href).map(({ kind, value }) => ({ kind, value, firstSeen: now, lastSeen: now, landingUrl: href.slice(0, 1024), ...(referrer && { referrer: referrer.slice(0, 1024) }) }));
}
