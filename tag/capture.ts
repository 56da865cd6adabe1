import { CLICK_COOKIES, clickIdsFromSearch, isClickKind, parseClickCookie } from '../shared/click-ids';
import { cookieDomain, readCookie } from './cookies';
import { ledger, merge, storageAllowed, type Touch } from './ledger';

/**
 * Records the click IDs in a URL (its query, or a hash route's query) and in other tags' cookies,
 * values exactly as received, and mints Meta's `_fbp` browser id when none exists. Returns the click
 * IDs not seen before.
 */
export function capture(href: string, referrer: string, now: number): Touch[] {
  const added: Touch[] = [];
  const add = (t: Touch) => merge(t) && isClickKind(t.kind) && added.push(t);
  for (const { kind, value } of clickIdsFromSearch(href)) {
    // URLs cut to 1 KB keep 50 touches well under the collector's 64 KB batch.
    add({ kind, value, firstSeen: now, lastSeen: now, landingUrl: href.slice(0, 1024), ...(referrer && { referrer: referrer.slice(0, 1024) }) });
  }
  for (const name of CLICK_COOKIES) {
    const p = parseClickCookie(name, readCookie(name)!);
    // A wrapped cookie keeps its own time as first-seen (_gcl_aw's seconds, _fbc's and _fbp's ms).
    if (p) add({ firstSeen: now, ...p, lastSeen: now });
  }
  if (storageAllowed() && !ledger().l.some((t) => t.kind == 'fbp')) {
    // fb.<domain level of the cookie (1 = example.com)>.<creation ms>.<random>
    const level = (cookieDomain() || location.hostname).split('.').length - 1;
    merge({ kind: 'fbp', value: `fb.${level}.${now}.${(Math.random() * 2 ** 31) | 0}`, firstSeen: now, lastSeen: now });
  }
  return added;
}
