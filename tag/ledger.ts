import type { Touch } from '../shared/schemas/collect';

// The click-ID ledger in first-party storage: every touch with its first- and last-seen times.
const KEY = '_cb_ledger';

export function readLedger(storage: Storage = localStorage): Touch[] {
  try {
    const parsed = JSON.parse(storage.getItem(KEY) || '[]');
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** Adds a touch, or refreshes the last-seen time of one already kept (the first-seen time never moves). */
export function recordTouch(touch: Touch, storage: Storage = localStorage): Touch[] {
  const ledger = readLedger(storage);
  const known = ledger.find((t) => t.kind === touch.kind && t.value === touch.value);
  if (known) known.lastSeen = Math.max(known.lastSeen || known.firstSeen, touch.firstSeen);
  else ledger.push(touch);
  storage.setItem(KEY, JSON.stringify(ledger));
  return ledger;
}
