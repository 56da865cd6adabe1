import { createStore, update } from 'idb-keyval';
import { completeEvent } from './event';
import { link, OUTBOX, type OutboxEvent } from './link';

/** Events waiting for a 2xx, failed attempts in a row, and the time of the next attempt (ms). */
export interface Outbox {
  q: OutboxEvent[];
  n: number;
  at: number;
}

let idb: ReturnType<typeof createStore> | undefined | 0;
let memory: Outbox = { q: [], n: 0, at: 0 };

const stored = (): Outbox | null => JSON.parse(localStorage.getItem(OUTBOX)!);

// A box with more events appended (completed: event.ts), each message id once
// (a write-ahead may be moved twice by two tabs).
function merge(box: Outbox | null | undefined, more: OutboxEvent[]): Outbox {
  const q = (box?.q || []).concat(more).map(completeEvent).filter((e) => e) as OutboxEvent[];
  return { n: 0, at: 0, ...box, q: q.filter((e, i) => q.findIndex((x) => x.messageId == e.messageId) == i) };
}

/**
 * Applies a change to the outbox and returns the new one: in IndexedDB (one read-modify-write
 * transaction, so tabs never overwrite each other), else localStorage, else memory. Memory only
 * while ads consent is denied (nothing is written then); what it held moves to storage once allowed.
 * The core's write-ahead (localStorage) moves into IndexedDB, then leaves localStorage.
 */
export async function changeOutbox(change: (box: Outbox) => Outbox): Promise<Outbox> {
  const held = memory.q.concat(link.m.splice(0));
  if (!link.s()) return (memory = change(merge(memory, held)));
  let out = (memory = merge(null, []));
  const keep = (box: Outbox) => (box.q[0] ? localStorage.setItem(OUTBOX, JSON.stringify(box)) : localStorage.removeItem(OUTBOX));
  try {
    if (idb === 0) throw 0;
    let ahead: OutboxEvent[] = [];
    try {
      ahead = stored()?.q || [];
    } catch {}
    await update(OUTBOX, (box?: Outbox) => (out = change(merge(box, ahead.concat(held)))), (idb ||= createStore(OUTBOX, 'events')));
    // Events written ahead now live in IndexedDB: drop them from the write-ahead (none: nothing to do).
    if (ahead[0])
      try {
        const rest = (stored()?.q || []).filter((e) => !ahead.some((x) => x.messageId == e.messageId));
        keep({ q: rest } as Outbox);
      } catch {}
  } catch {
    idb = 0;
    try {
      keep((out = change(merge(stored(), held))));
    } catch {
      memory = out = change(merge(memory, held));
    }
  }
  return out;
}

/** For tests: start over with IndexedDB and an empty memory. */
export function resetOutboxStore(): void {
  idb = undefined;
  memory = { q: [], n: 0, at: 0 };
}
