import { isClickKind, isTouchKind, isValidClickId, lifetimeMs } from '../shared/click-ids';
import type { Touch } from './ledger';
import { link } from './link';

const PER_KIND = 5;
const MAX_TOUCHES = 50; // the collector's limit per event

/**
 * Unexpired touches, newest first, capped (and the ledger pruned to them): a click expires with its
 * platform's window after it was first seen, a browser id (fbp, ttp) after it was last seen; at
 * most 5 per kind and 50 in all. A value that fails its kind's format check is dropped.
 */
export function live(now = Date.now()): Touch[] {
  const s = link.state_();
  const perKind: Record<string, number> = {};
  return (s.l = s.l
    .filter((t) => isTouchKind(t.kind) && isValidClickId(t.kind, t.value) && (isClickKind(t.kind) ? t.firstSeen : t.lastSeen!) + lifetimeMs(t.kind) > now)
    .sort((a, b) => b.lastSeen! - a.lastSeen!)
    .filter((t) => (perKind[t.kind] = -~perKind[t.kind]!) <= PER_KIND)
    .slice(0, MAX_TOUCHES));
}
