import { identify, load, observe, reset, setConsent, take } from './api';
import { config, configure, guard, warn } from './config';
import { flush } from './handoff';
import { drain, later } from './later';
import { ledger, storageAllowed, wipe } from './ledger';
import { link } from './link';
import { onNavigate } from './spa';
import type { ClearbitTag, TagConfig } from './types';

// (Not observe itself: popstate would pass its event as the URL.)
const page = () => observe();
const methods: Record<string, (...args: any[]) => unknown> = {
  __proto__: null as any,
  identify,
  page,
  pageview: page,
  reset,
  consent: setConsent,
  ready: later,
  load,
  config: load,
  // on('conversion', cb): kept for the sender, which calls it per conversion an identify triggered (announce.ts).
  on: (...a: unknown[]) => link.on_.push(a),
};
// With the rest of Clearbit's legacy stub: accepted, and nothing to do for conversions.
const names = Object.keys(methods).concat(
  'track group alias trackSubmit trackClick trackLink trackForm once off'.split(' '),
);

const run = guard((c: ArrayLike<unknown>) => methods[c[0] as string]?.(...[].slice.call(c, 1)));

Object.assign(link, {
  config_: config,
  mayStore_: storageAllowed,
  held_: [],
  on_: [],
  warn_: warn,
  state_: ledger,
  take_: take,
  erase_: wipe,
});

// Calls that set the tag up run before it captures anything, wherever they sit in the queue.
const early = (c: ArrayLike<unknown>) => /^(load|config|consent)$/.test(c[0] as string);

/**
 * Installs `window.clearbit` once: takes the snippet's queue (an array of [method, ...args]) or
 * GTM's arguments queue (`createArgumentsQueue('clearbit', 'clearbit.q')`: a function whose `.q`
 * holds `arguments` objects), and replays it, and captures the URL's click IDs, all in memory:
 * every storage access waits for a later step (later.ts), so loading the tag does next to nothing.
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
  // Navigations are captured as they happen: the URL may change again before the next task.
  onNavigate(guard(page));
  // What waits for a step is done at once when the page may go away.
  addEventListener('pagehide', drain);
  addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && drain());
  // Setup calls first, wherever they sit in the queue, so they govern the first capture; then the
  // landing URL (before the app's router may rewrite it); then the rest of the queue, in order.
  calls.filter(early).map(run);
  guard(page)();
  calls.filter((c) => !early(c)).map(run);
  later(flush);
  return api;
}
