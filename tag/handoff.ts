// The core tag's side of delivery: every event is written ahead to localStorage (memory while ads
// consent is denied) before the sender, loaded only when there is something to send, moves it to the
// IndexedDB outbox and sends it. So an event survives even when the sender cannot load yet.
import { config, warn } from './config';
import { storageAllowed } from './ledger';
import { link, OUTBOX, type OutboxEvent } from './link';

export type Send = (now?: number) => Promise<void>;

let load: () => Promise<Send>;
let sender: Promise<Send> | undefined;

/** How this build gets its sender: a script tag-send.js (tag.js), or bundled (the ES module). */
export function useSender(get: () => Promise<Send>): void {
  load = get;
}

/** Writes the event ahead, then has it sent. Resolves after the sender's first attempt. */
export function enqueue(event: OutboxEvent, now?: number): Promise<void> {
  try {
    if (!storageAllowed()) throw 0;
    const box = JSON.parse(localStorage.getItem(OUTBOX)!) || { q: [] };
    box.q.push(event);
    localStorage.setItem(OUTBOX, JSON.stringify(box));
  } catch {
    link.held_.push(event);
  }
  return flush(now);
}

/** Has the sender send what waits (loading it the first time, once the collector is known). */
export async function flush(now?: number): Promise<void> {
  if (!config.key || !config.host) return;
  return (sender ||= load().catch((e) => {
    sender = undefined;
    throw e;
  }))
    .then((send) => send(now))
    .catch(warn);
}
