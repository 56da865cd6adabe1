import { createStore, promisifyRequest, update } from 'idb-keyval';
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
// Whether storage was emptied since ads consent was last denied (takeBack).
let takenBack = 0;

const stored = (): Outbox | null => JSON.parse(localStorage.getItem(OUTBOX)!);

// A box with more events appended (completed: event.ts), each message id once
// (a write-ahead may be moved twice by two tabs).
function merge(box: Outbox | null | undefined, more: OutboxEvent[]): Outbox {
  const q = (box?.q || [])
    .concat(more)
    .map(completeEvent)
    .filter((e) => e) as OutboxEvent[];
  return { n: 0, at: 0, ...box, q: q.filter((e, i) => q.findIndex((x) => x.messageId == e.messageId) == i) };
}

// An event made before ads consent was denied, as if made now: a touch event is nothing but its click
// IDs, so it goes; any other (an identify) keeps going, without touches and marked denied.
const denied = (e: OutboxEvent): OutboxEvent[] =>
  e.type == 'touch' ? [] : [{ ...e, touches: [], context: { ...(e.context as object), consent: { ads: 'denied' } } }];

// Whether this origin has the outbox database, without making one: an open that would create it is
// aborted, which leaves nothing behind.
const hasDatabase = () =>
  new Promise<boolean>((resolve) => {
    const r = indexedDB.open(OUTBOX);
    r.onupgradeneeded = () => r.transaction!.abort();
    r.onsuccess = () => {
      r.result.close();
      resolve(true);
    };
    r.onerror = () => resolve(false);
  });

/**
 * Once ads consent is denied: the events storage holds (the write-ahead, the IndexedDB outbox, of
 * this page or earlier ones) leave it for memory, so no click ID stays stored or is sent later. Under
 * Global Privacy Control the ledger and its cookie are erased too, as `consent({ads: 'denied'})` does.
 */
async function takeBack(): Promise<OutboxEvent[]> {
  if ((navigator as any).globalPrivacyControl) link.erase_();
  let q = link.held_.splice(0);
  try {
    q = q.concat(stored()!.q);
    localStorage.removeItem(OUTBOX);
  } catch {}
  try {
    if (idb !== 0 && (await hasDatabase())) {
      const box = await (idb ||= createStore(OUTBOX, 'events'))('readwrite', (store) => {
        const r = store.get(OUTBOX);
        store.delete(OUTBOX);
        return promisifyRequest(store.transaction).then(() => r.result as Outbox | undefined);
      });
      q = q.concat(box?.q || []);
    }
  } catch {}
  return q;
}

/**
 * Applies a change to the outbox and returns the new one: in IndexedDB (one read-modify-write
 * transaction, so tabs never overwrite each other), else localStorage, else memory. Memory only
 * while ads consent is denied (nothing is written then, and what storage held is taken back, its
 * click IDs dropped); what memory held moves to storage once allowed.
 * The core's write-ahead (localStorage) moves into IndexedDB, then leaves localStorage.
 */
export async function changeOutbox(change: (box: Outbox) => Outbox): Promise<Outbox> {
  let held = memory.q.concat(link.held_.splice(0));
  if (!link.mayStore_()) {
    if (!takenBack++) held = held.concat(await takeBack());
    return (memory = change(merge({ ...memory, q: [] }, held.flatMap(denied))));
  }
  takenBack = 0;
  let out = (memory = merge(null, []));
  const keep = (box: Outbox) =>
    box.q[0] ? localStorage.setItem(OUTBOX, JSON.stringify(box)) : localStorage.removeItem(OUTBOX);
  try {
    if (idb === 0) throw 0;
    let ahead: OutboxEvent[] = [];
    try {
      ahead = stored()?.q || [];
    } catch {}
    await update(
      OUTBOX,
      (box?: Outbox) => (out = change(merge(box, ahead.concat(held)))),
      (idb ||= createStore(OUTBOX, 'events')),
    );
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
  takenBack = 0;
}
