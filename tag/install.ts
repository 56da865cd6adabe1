import { identify, load, observe, reset, setConsent, take } from './api';
import { config, configure, guard, warn } from './config';
import { cookieDomain, writeCookie } from './cookies';
import { flushWhenIdle } from './handoff';
import { ledger, live, storageAllowed } from './ledger';
import { link } from './link';
import { onNavigate } from './spa';
import type { ClearbitTag, TagConfig } from './types';

const page = () => observe();
const methods: Record<string, (...args: any[]) => unknown> = {
  __proto__: null as any,
  identify,
  page,
  pageview: page,
  reset,
  consent: setConsent,
  ready: (fn: () => void) => fn(),
  load,
  config: load,
};
// With the rest of Clearbit's legacy stub: accepted, and nothing to do for conversions.
const names = Object.keys(methods).concat('track group alias trackSubmit trackClick trackLink trackForm once off on'.split(' '));

function run(c: ArrayLike<unknown>): void {
  try {
    methods[c[0] as string]?.(...[].slice.call(c, 1));
  } catch (e) {
    warn(e);
  }
}

Object.assign(link, { c: config, s: storageAllowed, m: [], w: warn, l: ledger, v: live, h: take, d: cookieDomain, k: writeCookie });

// Calls that set the tag up run before it captures anything, wherever they sit in the queue.
const early = (c: ArrayLike<unknown>) => /^(load|config|consent)$/.test(c[0] as string);


/**
 * Installs `window.clearbit` once: takes the snippet's queue (an array of [method, ...args]) or
 * GTM's arguments queue (`createArgumentsQueue('clearbit', 'clearbit.q')`: a function whose `.q`
 * holds `arguments` objects). The rest waits for later tasks, so loading the tag does next to
 * nothing.
 */
export function install(w: any, initial?: TagConfig): ClearbitTag {
  const stub = w.clearbit || 0;
  if (stub.initialize) return stub;
  let calls: ArrayLike<unknown>[] | 0 = ([] as ArrayLike<unknown>[]).concat(Array.isArray(stub) ? stub : [], stub.q || []);
  configure({ host: (/^(.*)\/v1\/tag\.js/.exec((document.currentScript as HTMLScriptElement)?.src) || [])[1] });
  configure({ key: stub._key, host: stub._host, ...initial });
  const push = (c: ArrayLike<unknown>) => (calls ? calls.push(c) : run(c));
  // GTM's queue function may still push `arguments` after the tag loaded: to the array it was made
  // with, or to whatever `clearbit.q` is then.
  if (Array.isArray(stub.q)) stub.q.push = push;
  const api = (w.clearbit = Object.assign((...c: unknown[]) => push(c), { initialize: true, q: { push } }) as any);
  for (const m of names) api[m] = (...a: unknown[]) => push([m, ...a]);
  // The URL as the page was loaded, before the app's router may rewrite it.
  const landing = location.href;
  // Navigations are captured as they happen: the URL may change again before the next task.
  onNavigate(guard(() => observe()));
  // Then, each in a task of its own: setup calls and the capture; storing it (api.ts, take); the
  // rest of the queue with the calls made meanwhile, in order.
  setTimeout(() => {
    calls = (calls as ArrayLike<unknown>[]).filter((c) => !early(c) || run(c));
    guard(observe)(landing);
    flushWhenIdle();
    setTimeout(() => {
      const queued = calls as ArrayLike<unknown>[];
      calls = 0;
      queued.map(run);
    });
  });
  return api;
}
