import { config, configure, guard, warn } from './config';
import { adsConsent, setExplicitConsent } from './consent';
import { flush, hide } from './handoff';
import { link } from './link';
import { onNavigate } from './spa';
import type { AdsConsent, ClearbitTag, TagConfig } from './types';

// The core keeps each call for the sender (handoff.ts), with its time: `[method, time, ...args]`.
const call = (...c: unknown[]) => link.calls_.push([c[0], Date.now(), ...c.slice(1)]);

let lastHref = '';
// The page's URL and the one before it (the referrer of its click IDs), for the sender to capture
// from (and to send click IDs held back until consent, calls.ts). (Not a method itself: popstate would
// pass its event.)
function page(): void {
  const href = location.href;
  call('page', href, lastHref || document.referrer);
  lastHref = href;
}

/**
 * identify(userIdOrEmail, traits?, options?, callback?): its arguments and page taken now (the sender
 * reads them, event.ts); the callback runs once the event was tried (or after 500 ms).
 */
function identify(...args: unknown[]): void {
  const callback = typeof args.at(-1) == 'function' ? guard(args.pop() as () => void) : Object;
  let called = 0;
  const done = () => called++ || callback();
  setTimeout(done, 500);
  call('identify', { url: location.href, referrer: document.referrer }, JSON.parse(JSON.stringify(args)), done);
  flush();
}

const methods: Record<string, (...args: any[]) => unknown> = {
  __proto__: null as any,
  identify,
  page,
  pageview: page,
  // Erasing is the sender's (or, if the page is hidden before it took the call, the core's: handoff.ts).
  reset: () => call('reset'),
  // consent({ads: 'granted' | 'denied'}): holds for this page at once; the sender then wipes what is
  // stored (a denial) or remembers it (a grant).
  consent: (state: { ads?: unknown }) => {
    const ads = state?.ads as AdsConsent;
    if (ads == 'granted' || ads == 'denied') {
      setExplicitConsent(ads);
      call('consent', ads);
    }
  },
  // ready(fn): fn runs once the sender has taken (and stored) the calls before it.
  ready: (fn: () => void) => call('ready', fn),
  load: (key: unknown, host?: unknown) => {
    configure(key, host);
    flush();
  },
  // on('conversion', cb): kept for the sender, which calls it per conversion an identify triggered (announce.ts).
  on: (...a: unknown[]) => link.on_.push(a),
};
methods.config = methods.load!;
// With the rest of Clearbit's legacy stub: accepted, and nothing to do for conversions.
const names = Object.keys(methods).concat(
  'track group alias trackSubmit trackClick trackLink trackForm once off'.split(' '),
);

const run = guard((c: ArrayLike<unknown>) => methods[c[0] as string]?.(...[].slice.call(c, 1)));

Object.assign(link, { config_: config, consent_: adsConsent, calls_: [], on_: [], warn_: warn });

// Calls that set the tag up run before it captures anything, wherever they sit in the queue.
const early = (c: ArrayLike<unknown>) => /^(load|config|consent)$/.test(c[0] as string);

/**
 * Installs `window.clearbit` once: takes the snippet's queue (an array of [method, ...args]) or
 * GTM's arguments queue (`createArgumentsQueue('clearbit', 'clearbit.q')`: a function whose `.q`
 * holds `arguments` objects), and replays it, and notes the URL, all in memory: storage is the
 * sender's, loaded when the browser is idle, so loading the tag does next to nothing.
 */
export function install(w: any, initial?: TagConfig): ClearbitTag {
  const stub = w.clearbit || 0;
  if (stub.initialize) return stub;
  const calls: ArrayLike<unknown>[] = ([] as ArrayLike<unknown>[]).concat(
    Array.isArray(stub) ? stub : [],
    stub.q || [],
  );
  // The host from the snippet's stub, else from this script's URL (<host>/v1/tag.js): the first
  // document.currentScript of a page costs about half a millisecond, so only when needed.
  configure({
    key: stub._key,
    host: stub._host || (/^(.*)\/v1\/tag\.js/.exec((document.currentScript as HTMLScriptElement)?.src) || [])[1],
    ...initial,
  });
  // GTM's queue function may still push `arguments` after the tag loaded: to the array it was made
  // with, or to whatever `clearbit.q` is then.
  if (Array.isArray(stub.q)) stub.q.push = run;
  const api = (w.clearbit = Object.assign((...c: unknown[]) => run(c), { initialize: true, q: { push: run } }) as any);
  for (const m of names) api[m] = (...a: unknown[]) => run([m, ...a]);
  // Navigations are noted as they happen: the URL may change again before the next task.
  onNavigate(guard(page));
  // The calls the sender has not taken are written ahead when the page may go away.
  addEventListener('pagehide', hide);
  addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && hide());
  // Setup calls first, wherever they sit in the queue, so they govern the first capture; then the
  // landing URL (before the app's router may rewrite it); then the rest of the queue, in order.
  calls.filter(early).map(run);
  guard(page)();
  calls.filter((c) => !early(c)).map(run);
  // The sender when the browser is idle (at most 500 ms on).
  (w.requestIdleCallback || setTimeout)(flush, { timeout: 500 });
  return api;
}
