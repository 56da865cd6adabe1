import { isClickKind } from '../shared/click-ids';
import { capture } from './capture';
import { configure, guard } from './config';
import { setExplicitConsent } from './consent';
import { randomId } from './identity';
import { consent, ledger, live, save, storageAllowed, wipe, type Touch } from './ledger';
import { enqueue, flush } from './handoff';
import type { OutboxEvent } from './link';
import type { IdentifyOptions, Traits } from './types';

let lastHref = '';
// New click IDs captured while ads consent was denied: sent once it is not.
let heldBack = false;

function event(type: 'identify' | 'touch', now: number, extra?: object): OutboxEvent {
  const { a, k } = ledger();
  const ads = consent();
  return {
    type,
    messageId: randomId(),
    anonymousId: a,
    timestamp: now,
    // Ads consent denied: no click ID and no browser id leaves the page.
    touches: ads == 'denied' ? [] : live(now),
    context: { page: { url: location.href.slice(0, 2048), referrer: document.referrer.slice(0, 2048) }, consent: { ads } },
    ...(k && { token: k }),
    ...extra,
  };
}

/** Captures the current URL and cookies (on load, after SPA navigations, on `page()`). */
export function observe(now = Date.now()): void {
  const added = capture(location.href, lastHref || document.referrer, now);
  lastHref = location.href;
  save(now);
  if (added[0] || heldBack) sendHeld(now);
}

function sendHeld(now = Date.now()): void {
  if ((heldBack = !storageAllowed())) return;
  const e = event('touch', now);
  if ((e.touches as Touch[]).some((t) => isClickKind(t.kind))) enqueue(e, now);
}

/**
 * identify(userIdOrEmail, traits?, options?, callback?): Clearbit's `identify(userId, {email, ...})`
 * and the short `identify(email, traits)`; the callback runs once the event was tried (or 500 ms).
 */
export function identify(...args: unknown[]): void {
  const done = typeof args[args.length - 1] == 'function' ? guard(args.pop() as (_?: unknown) => void) : (_?: unknown) => {};
  let [id, traits, options] = args as [unknown, Traits | undefined, IdentifyOptions | undefined];
  if (typeof id == 'object') [id, traits, options] = [0, id as Traits, traits];
  traits = JSON.parse(JSON.stringify(traits || {})) as Traits;
  const email = [traits.email, id].find((v) => typeof v == 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim())) as string;
  if (!email) return void done(console.warn('[clearbit] identify needs an email: nothing was sent'));
  const now = Date.now();
  const sent = enqueue(
    event('identify', now, {
      email: email.trim(),
      traits,
      ...(typeof id == 'string' && id != email && { userId: id.slice(0, 200) }),
      ...(typeof options?.signature == 'string' && { signature: options.signature }),
    }),
    now,
  );
  Promise.race([sent, new Promise((r) => setTimeout(r, 500))]).then(done);
}

/** consent({ads: 'granted' | 'denied'}): a denial wipes what is stored; a grant is remembered. */
export function setConsent(state: { ads?: unknown }): void {
  const ads = state?.ads;
  if (ads !== 'granted' && ads !== 'denied') return;
  setExplicitConsent(ads);
  if (ads == 'denied') return wipe();
  ledger().c = 1;
  observe();
  flush();
}

export function reset(): void {
  wipe(true);
}

export function load(key: unknown, host?: unknown): void {
  configure(key, host);
  // After the current task: the rest of the configuration (consent) may still be on its way.
  setTimeout(flush);
}
