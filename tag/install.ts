import { identify, load, observe, reset, setConsent } from './api';
import { configure, guard } from './config';
import { flush } from './handoff';
import { save } from './ledger';
import { onNavigate } from './spa';
import type { ClearbitTag, TagConfig } from './types';

const methods: Record<string, (...args: any[]) => unknown> = {
  identify,
  page: () => observe(),
  pageview: () => observe(),
  reset,
  consent: setConsent,
  ready: (fn: () => void) => fn(),
  load,
  config: load,
};
// The rest of Clearbit's legacy stub: accepted, and nothing to do for conversions.
for (const m of 'track group alias trackSubmit trackClick trackLink trackForm once off on'.split(' ')) methods[m] = Object;
for (const m in methods) methods[m] = guard(methods[m]!);

const run = (c: ArrayLike<unknown>) => methods.hasOwnProperty(c[0] as string) && methods[c[0] as string]!(...[].slice.call(c, 1));
// Calls that set the tag up run before it captures anything, wherever they sit in the queue.
const early = (c: ArrayLike<unknown>) => /^(load|config|consent)$/.test(c[0] as string);

function listen(): void {
  onNavigate(() => methods.page!());
  const hide = guard(() => {
    save();
    flush();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && hide());
  addEventListener('pagehide', hide);
  addEventListener('online', () => flush());
}

/**
 * Installs `window.clearbit` once: takes the snippet's queue (an array of [method, ...args]) or
 * GTM's arguments queue (`createArgumentsQueue('clearbit', 'clearbit.q')`: a function whose `.q`
 * holds `arguments` objects). Everything else waits for a later task, so loading the tag does next
 * to nothing: then setup calls apply, the page is captured, and the rest of the queue (with calls
 * made meanwhile) replays in order.
 */
export function install(w: any, initial?: TagConfig): ClearbitTag {
  const stub = w.clearbit || 0;
  if (stub.initialize) return stub;
  let calls: ArrayLike<unknown>[] | 0 = ([] as ArrayLike<unknown>[]).concat(Array.isArray(stub) ? stub : [], stub.q || []);
  const script = document.currentScript as HTMLScriptElement | null;
  configure({ host: (script?.src.match(/^(.*)\/v1\/tag\.js/) || [])[1] });
  configure({ key: stub._key, host: stub._host, ...initial });
  const push = (c: ArrayLike<unknown>) => (calls ? calls.push(c) : run(c));
  // GTM's queue function may still push `arguments` after the tag loaded: to the array it was made
  // with, or to whatever `clearbit.q` is then.
  if (Array.isArray(stub.q)) stub.q.push = push;
  const api = (w.clearbit = Object.assign((...c: unknown[]) => push(c), { initialize: true, q: { push } }) as any);
  for (const m in methods) api[m] = (...a: unknown[]) => push([m, ...a]);
  setTimeout(
    guard(() => {
      const queued = calls as ArrayLike<unknown>[];
      calls = 0;
      queued.filter(early).map(run);
      observe();
      listen();
      queued.filter((c) => !early(c)).map(run);
      flush();
    }),
  );
  return api as unknown as ClearbitTag;
}
