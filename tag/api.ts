import { isClickKind } from '../shared/click-ids';
import { capture } from './capture';
import { configure, guard } from './config';
import { setExplicitConsent } from './consent';
import { randomId } from './identity';
import { consent, ledger, live, merge, save, storageAllowed, wipe, type Touch } from './ledger';
import { enqueue, flush, flushWhenIdle } from './handoff';
import type { OutboxEvent } from './link';

let lastHref = '';
// New click IDs captured while ads consent was denied: sent once it is not.
let heldBack = false;

// An event as the core writes it ahead; the sender completes it (event.ts: ids, touches, identify).
function event(type: 'identify' | 'touch', now: number, extra?: object): OutboxEvent {
  return {
    type,
    messageId: randomId(),
    timestamp: now,
    context: { page: { url: location.href.slice(0, 2048), referrer: document.referrer.slice(0, 2048) }, consent: { ads: consent() } },
    ...extra,
  };
}

/** Captures the current URL (on load, after SPA navigations, on `page()`). */
export function observe(href = location.href, now = Date.now()): void {
  take(capture(href, lastHref || document.referrer, now), now);
  lastHref = href;
}

/**
 * Merges touches into the ledger; in a task of its own (cookies and localStorage are synchronous
 * round trips), stores it, and a click ID not seen before (or held back while ads consent was
 * denied) goes to the collector as a touch event. Returns the new click IDs.
 */
export function take(touches: Touch[], now = Date.now()): Touch[] {
  const added = touches.filter((t) => merge(t) && isClickKind(t.kind));
  setTimeout(() => {
    save(now);
    if ((added[0] || heldBack) && !(heldBack = !storageAllowed()) && live(now).some((t) => isClickKind(t.kind))) enqueue(event('touch', now), now);
  });
  return added;
}

/**
 * identify(userIdOrEmail, traits?, options?, callback?): written ahead with its arguments (the sender
 * reads them, identify-event.ts) and the page's touches; the callback runs once the event was tried
 * (or after 500 ms).
 */
export function identify(...args: unknown[]): void {
  const done = typeof args[args.length - 1] == 'function' ? guard(args.pop() as () => void) : Object;
  const now = Date.now();
  Promise.race([enqueue(event('identify', now, { args: JSON.parse(JSON.stringify(args)) }), now), new Promise((r) => setTimeout(r, 500))]).then(() => done());
}

/** consent({ads: 'granted' | 'denied'}): a denial wipes what is stored; a grant is remembered. */
export function setConsent(state: { ads?: unknown }): void {
  const ads = state?.ads;
  if (ads !== 'granted' && ads !== 'denied') return;
  setExplicitConsent(ads);
  if (ads == 'denied') return wipe();
  ledger().c = 1;
  save();
  observe();
  flush();
}

export function reset(): void {
  wipe(true);
}

export function load(key: unknown, host?: unknown): void {
  configure(key, host);
  // By then the rest of the configuration (consent) has arrived.
  flushWhenIdle();
}
