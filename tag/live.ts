import { isClickKind, isTouchKind, isValidClickId, lifetimeMs } from '../shared/click-ids';
import type { Touch } from './ledger';
import { link } from './link';

const PER_KIND = 5;
const MAX_TOUCHES = 50; // the collector's limit per event

/**
 * The ledger with each value once: the core adds a value seen again as another touch (ledger.ts);
 * here the repeats fold into the first (its fields kept, the earliest first-seen, the latest
 * last-seen, fields it lacks taken from the later ones: `raw` from the `_fbc` cookie, say). The
 * core keeps URLs whole; cut to 1 KB here, 50 touches stay well under the collector's 64 KB batch.
 */
function fold(touches: Touch[]): Touch[] {
  const out: Touch[] = [];
  for (const t of touches) {
    const known = out.find((k) => k.kind == t.kind && k.value == t.value);
    if (known)
      Object.assign(known, {
        ...t,
        ...known,
        firstSeen: Math.min(known.firstSeen, t.firstSeen),
        lastSeen: Math.max(known.lastSeen!, t.lastSeen!),
      });
    else out.push({ ...t });
  }
  for (const t of out) {
    if (t.landingUrl) t.landingUrl = t.landingUrl.slice(0, 1024);
    if (t.referrer) t.referrer = t.referrer.slice(0, 1024);
  }
  return out;
}

/**
 * Unexpired touches, newest first, capped (and the ledger pruned to them, repeats folded): a click expires with its
 * platform's window after it was first seen, a browser id (fbp, ttp) after it was last seen; at
 * most 5 per kind and 50 in all. A value that fails its kind's format check is dropped.
 */
export function live(now = Date.now()): Touch[] {
  const s = link.state_();
  const perKind: Record<string, number> = {};
  return (s.l = fold(s.l)
    .filter(
      (t) =>
        isTouchKind(t.kind) &&
        isValidClickId(t.kind, t.value) &&
        (isClickKind(t.kind) ? t.firstSeen : t.lastSeen!) + lifetimeMs(t.kind) > now,
    )
    .sort((a, b) => b.lastSeen! - a.lastSeen!)
    .filter((t) => (perKind[t.kind] = (perKind[t.kind] ?? 0) + 1) <= PER_KIND)
    .slice(0, MAX_TOUCHES));
}
