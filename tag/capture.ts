import type { Touch } from '../shared/schemas/collect';
import { recordTouch } from './ledger';

const PARAMS = ['gclid', 'fbclid'];

/** Records the click IDs in a URL's query string, values exactly as received. */
export function captureFromUrl(href: string, referrer: string, now: number): Touch[] {
  const url = new URL(href);
  const found: Touch[] = [];
  for (const kind of PARAMS) {
    const value = url.searchParams.get(kind);
    if (!value) continue;
    const touch: Touch = { kind, value, firstSeen: now, lastSeen: now, landingUrl: href.slice(0, 2048) };
    if (referrer) touch.referrer = referrer.slice(0, 2048);
    recordTouch(touch);
    found.push(touch);
  }
  return found;
}
