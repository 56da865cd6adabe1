// The sender's side of the core's calls (link.ts `Call`): each runs in a step of its own (later.ts),
// in the order the page made them, after the calls an earlier page wrote ahead (sender.ts).
import { CLICK_KINDS } from '../shared/click-ids';
import { capture } from './capture';
import { randomId } from './identity';
import { later } from './later';
import { consent, ledger, merge, save, storageAllowed, wipe, type Touch } from './ledger';
import { link, OUTBOX, type OutboxEvent } from './link';
import { flush } from './outbox';

// (Cut to the collector's 2 KB by the sender: event.ts.)
const here = () => ({ url: location.href, referrer: document.referrer });

// An event as it is written ahead; completed before it is sent (event.ts: ids, touches, identify).
function event(type: 'identify' | 'touch', now: number, page: object, extra?: object): OutboxEvent {
  return { type, messageId: randomId(), timestamp: now, context: { page, consent: { ads: consent() } }, ...extra };
}

/** Has the outbox send what waits (once the collector is known). */
export function send(now?: number): Promise<void> {
  return flush(now).catch(link.warn_);
}

/**
 * Writes the event ahead to localStorage (memory while ads consent is denied, or without
 * localStorage), then has it sent: the outbox moves it to IndexedDB (outbox-store.ts). Resolves
 * after the first attempt.
 */
export function enqueue(event: OutboxEvent, now?: number): Promise<void> {
  try {
    if (!storageAllowed()) throw 0;
    const box = JSON.parse(localStorage.getItem(OUTBOX)!) || { q: [] };
    box.q.push(event);
    localStorage.setItem(OUTBOX, JSON.stringify(box));
  } catch {
    link.held_.push(event);
  }
  return send(now);
}

/**
 * Merges touches into the ledger; in steps of their own, a click ID not seen before (or held back
 * while ads consent was denied or pending: the ledger's `h`) goes to the collector as a touch event,
 * then the ledger is stored (with `h`, so a held click ID pending in this tab's session copy is sent
 * from the page where consent is granted). Returns the new click IDs.
 */
export function take(touches: Touch[], now = Date.now()): Touch[] {
  const added = touches.filter((t) => merge(t) && (CLICK_KINDS as readonly string[]).includes(t.kind));
  // (The sender drops a touch event when no unexpired click ID is left to send: event.ts.)
  later(() => {
    const s = ledger();
    if (!added[0] && !s.h) return;
    s.h = !storageAllowed();
    if (!s.h) return enqueue(event('touch', now, here()), now);
  });
  later(save);
  return added;
}

/** The calls, by method: what each does once the sender has it. */
const calls: Record<string, (now: number, ...args: any[]) => unknown> = {
  __proto__: null as any,
  // A URL the page showed (on load, after a navigation, on `page()`) and its referrer: its click IDs.
  page: (now, href: string, referrer: string) => take(capture(href, referrer, now), now),
  // identify(...args) with its page as it was; `done` (the core's callback timer) once the event was
  // tried. The collector reads the arguments the way Clearbit's tag did (event.ts).
  identify: (now, page: object, args: unknown[], done?: () => void) =>
    enqueue(event('identify', now, page, { args }), now).then(done),
  // consent({ads}): the page's consent (consent.ts) already holds it; a denial wipes what is stored,
  // a grant is remembered and takes the current URL's click IDs again.
  consent: (now, ads: string) => {
    if (ads == 'denied') wipe();
    else {
      ledger().c = 1;
      save();
      take(capture(location.href, document.referrer, now), now);
    }
    send();
  },
  reset: () => wipe(true),
  // (A ready callback written ahead by a page that was left is gone: JSON has no functions.)
  ready: (now, fn?: () => void) => fn?.(),
};

/** Runs a call the core took, in a step of its own. */
export function run(call: unknown[]): void {
  later(() => calls[call[0] as string]?.(...(call.slice(1) as [number])));
}
