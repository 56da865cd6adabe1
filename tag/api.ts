import { CLICK_KINDS } from '../shared/click-ids';
import { capture } from './capture';
import { configure, guard } from './config';
import { setExplicitConsent } from './consent';
import { randomId } from './identity';
import { consent, ledger, merge, save, storageAllowed, wipe, type Touch } from './ledger';
import { enqueue, flush } from './handoff';
import { later } from './later';
import type { OutboxEvent } from './link';

let lastHref = '';

// (Cut to the collector's 2 KB by the sender: event.ts.)
const here = () => ({ url: location.href, referrer: document.referrer });

// An event as the core writes it ahead (in a step: consent may read storage); the sender completes
// it (event.ts: ids, touches, identify).
function event(type: 'identify' | 'touch', now: number, page: object, extra?: object): OutboxEvent {
  return { type, messageId: randomId(), timestamp: now, context: { page, consent: { ads: consent() } }, ...extra };
}

/** Captures the current URL's click IDs into memory (on load, after SPA navigations, on `page()`). */
export function observe(href = location.href, now = Date.now()): void {
  const touches = capture(href, lastHref || document.referrer, now);
  lastHref = href;
  later(() => take(touches, now));
}

/**
 * Merges touches into the ledger; in steps of their own (later.ts), a click ID not seen before (or
 * held back while ads consent was denied or pending: the ledger's `h`) goes to the collector as a
 * touch event, then the ledger is stored (with `h`, so a held click ID pending in this tab's session
 * copy is sent from the page where consent is granted). Returns the new click IDs.
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

/**
 * identify(userIdOrEmail, traits?, options?, callback?): its arguments and page taken now, written
 * ahead in a step (the sender reads them, event.ts, with the page's touches); the callback runs once
 * the event was tried (or after 500 ms).
 */
export function identify(...args: unknown[]): void {
  const callback = typeof args.at(-1) == 'function' ? guard(args.pop() as () => void) : Object;
  let called = 0;
  const done = () => called++ || callback();
  const now = Date.now();
  const page = here();
  const extra = { args: JSON.parse(JSON.stringify(args)) };
  setTimeout(done, 500);
  later(() => enqueue(event('identify', now, page, extra), now).then(done));
}

/**
 * consent({ads: 'granted' | 'denied'}): holds for this page at once; then a denial wipes what is
 * stored, a grant is remembered.
 */
export function setConsent(state: { ads?: unknown }): void {
  const ads = state?.ads;
  if (ads !== 'granted' && ads !== 'denied') return;
  setExplicitConsent(ads);
  later(() => {
    if (ads == 'denied') wipe();
    else {
      ledger().c = 1;
      save();
      observe();
    }
    flush();
  });
}

export function reset(): void {
  later(() => wipe(true));
}

export function load(key: unknown, host?: unknown): void {
  configure(key, host);
  // After the steps queued before it: by then the rest of the configuration (consent) has arrived.
  later(flush);
}
