// Which touch a destination sends (ARCHITECTURE §4): the newest click of the platform's kinds seen
// before the event time and inside the window; IP and user agent from the device that carried it.
import { metaCookieValue } from '../../shared/meta-cookie';
import type { RowDevice, RowTouch } from './types';

export const DAY_MS = 86_400_000;
export const CLICK_WINDOW_MS = 90 * DAY_MS;

/** The newest touch (by first-seen) of `kinds` with eventTime - window <= firstSeen <= eventTime. */
export function newestTouch(
  touches: readonly RowTouch[],
  kinds: readonly string[],
  eventTimeMs: number,
  windowMs = CLICK_WINDOW_MS,
): RowTouch | null {
  let best: RowTouch | null = null;
  for (const t of touches) {
    if (!kinds.includes(t.kind) || t.firstSeen > eventTimeMs || eventTimeMs - t.firstSeen > windowMs) continue;
    if (!best || t.firstSeen > best.firstSeen) best = t;
  }
  return best;
}

/** The device that carried `touch`, else the most recently seen device. */
export function deviceFor(devices: readonly RowDevice[], touch: RowTouch | null): RowDevice | null {
  const carrier = touch?.anonymousId ? devices.find((d) => d.anonymousId === touch.anonymousId) : undefined;
  if (carrier) return carrier;
  let newest: RowDevice | null = null;
  for (const d of devices) if (!newest || d.lastSeen > newest.lastSeen) newest = d;
  return newest;
}

const FBC = /^fb\.[0-2]\.\d{13}\.([A-Za-z0-9_-]+)(\.[A-Za-z0-9_-]+)?$/;

/**
 * Meta's fbc: the harvested `_fbc` cookie, with the appendix Meta's parameter builder wrote, when it
 * carries this very fbclid and Meta's builder would accept it; else fb.1.<first seen ms>.<fbclid>.
 */
export function metaFbc(touch: RowTouch): string {
  const m = touch.raw ? FBC.exec(touch.raw) : null;
  return m && m[1] === touch.value && metaCookieValue(touch.raw!)
    ? touch.raw!
    : `fb.1.${touch.firstSeen}.${touch.value}`;
}
