import { createStore, update } from 'idb-keyval';
import { storageAllowed } from './ledger';

export type OutboxEvent = Record<string, unknown> & { messageId: string; timestamp: number };

/** Events waiting for a 2xx, failed attempts in a row, and the time of the next attempt (ms). */
export interface Outbox {
  q: OutboxEvent[];
  n: number;
  at: number;
}

const KEY = '_cb_outbox';
let idb: ReturnType<typeof createStore> | undefined | 0;
let memory: Outbox = { q: [], n: 0, at: 0 };

/**
 * Applies a change to the outbox and returns the new one: in IndexedDB (one read-modify-write
 * transaction, so tabs never overwrite each other), else localStorage, else memory. Memory only
 * while ads consent is denied (nothing is written then); what it held moves to storage once allowed.
 */
export async function changeOutbox(change: (box: Outbox) => Outbox): Promise<Outbox> {
  if (!storageAllowed()) return (memory = change(memory));
  const held = memory.q;
  let out: Outbox = (memory = { q: [], n: 0, at: 0 });
  const apply = (box = memory) => (out = change({ ...box, q: box.q.concat(held) }));
  try {
    if (idb === 0) throw 0;
    await update(KEY, apply, (idb ||= createStore(KEY, 'events')));
  } catch {
    idb = 0;
    try {
      localStorage.setItem(KEY, JSON.stringify(apply(JSON.parse(localStorage.getItem(KEY)!) || undefined)));
    } catch {
      memory = apply();
    }
  }
  return out;
}

/** For tests: start over with IndexedDB and an empty memory. */
export function resetOutboxStore(): void {
  idb = undefined;
  memory = { q: [], n: 0, at: 0 };
}
