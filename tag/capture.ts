import { CLICK_KINDS } from '../shared/click-ids';
import type { Touch } from './ledger';

// The sender's, on the URLs the core noted (calls.ts). This loose check keeps junk out of storage
// (spaces, quotes, '<', control characters, absurd lengths); each kind's own format check
// (shared/click-ids.ts) comes before anything is sent (live.ts).
const LOOSE = /^[\w.~+/=:-]{4,500}$/;

/**
 * The click IDs in a URL (its query, or a hash route's query), values exactly as received, with the
 * landing URL, the referrer and the time; the first plausible value of a repeated param. Param names
 * match case-sensitively, as platforms write them. (Other tags' cookies are harvested by the sender,
 * harvest.ts.)
 */
export function capture(href: string, referrer: string, now: number): Touch[] {
  const params = new URLSearchParams(href.slice(href.indexOf('?') + 1).split('#')[0]);
  const found: Touch[] = [];
  for (const kind of CLICK_KINDS) {
    const value = params.getAll(kind).find((v) => LOOSE.test(v));
    // (The sender cuts the URLs to 1 KB, live.ts: 50 touches stay well under the collector's 64 KB batch.)
    if (value)
      found.push({ kind, value, firstSeen: now, lastSeen: now, landingUrl: href, ...(referrer && { referrer }) });
  }
  return found;
}
