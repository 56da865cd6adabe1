import { identify, load, observe, reset, setConsent } from './api';
import { configure, guard } from './config';
import { save } from './ledger';
import { flushSoon } from './outbox';
import { onNavigate } from './spa';
import type { ClearbitTag, TagConfig } from './types';

const methods: Record<string, (...args: any[]) => unknown> = {
  identify,
  page: observe,
  pageview: observe,
  reset,
  consent: setConsent,
  ready: (fn: () => void) => fn(),
  load,
  config: load,
};
// The rest of Clearbit's legacy stub: accepted, and nothing to do for conversions.
for (const m of 'track group alias trackSubmit trackClick trackLink trackForm once off on'.split(' ')) methods[m] = Object;
for (const m in methods) methods[m] = guard(methods[m]!);

const call = (method: unknown, args: ArrayLike<unknown>) => methods.hasOwnProperty(method as string) && methods[method as string]!(...[].slice.call(args));
// Calls that set the tag up run before it captures anything, wherever they sit in the queue.
const early = (method: unknown) => /^(load|config|consent)$/.test(method as string);

function start(): void {
  observe();
  onNavigate(() => methods.page!());
  const hide = guard(() => {
    save();
    flushSoon();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && hide());
  addEventListener('pagehide', hide);
  addEventListener('online', flushSoon);
  flushSoon();
}

/**
 * Installs `window.clearbit` once: takes the snippet's queue (an array of [method, ...args]) or
 * GTM's arguments queue (`createArgumentsQueue('clearbit', 'clearbit.q')`: a function whose `.q`
 * holds `arguments` objects), applies setup calls, captures, then replays the rest in order.
 */
export function install(w: any, initial?: TagConfig): ClearbitTag {
  const stub = w.clearbit || 0;
  if (stub.initialize) return stub;
  const calls: ArrayLike<unknown>[] = ([] as ArrayLike<unknown>[]).concat(Array.isArray(stub) ? stub : [], stub.q || []);
  const script = document.currentScript as HTMLScriptElement | null;
  configure({ host: (script?.src.match(/^(.*)\/v1\/tag\.js/) || [])[1] });
  configure({ key: stub._key, host: stub._host, ...initial });
  // GTM's queue function may still push `arguments` after the tag loaded: to the array it was made
  // with, or to whatever `clearbit.q` is then.
  const push = (a: ArrayLike<unknown>) => call(a[0], [].slice.call(a, 1));
  if (Array.isArray(stub.q)) stub.q.push = push;
  const api = (w.clearbit = Object.assign((method: string, ...args: unknown[]) => call(method, args), methods, { initialize: true, q: { push } }));
  for (const c of calls) if (early(c[0])) call(c[0], [].slice.call(c, 1));
  start();
  for (const c of calls) if (!early(c[0])) call(c[0], [].slice.call(c, 1));
  return api as unknown as ClearbitTag;
}
