// The core's side of delivery. The core keeps the page's calls in memory (link.ts `calls_`) until its
// sender, loaded when the browser is idle (or at once for an identify), takes them: the sender owns
// storage. When the page is hidden before that, the core writes the calls ahead, so the next page's
// sender takes them (a click ID survives a navigation before the sender loads).
import { config, warn } from './config';
import { adsConsent } from './consent';
import { CALLS, COOKIE, link, OUTBOX, STORE } from './link';

let load: () => Promise<unknown>;
let sender: Promise<unknown> | undefined;

/** How this build gets its sender: a script tag-send.js (tag.js), or bundled (the ES module). */
export function useSender(get: () => Promise<unknown>): void {
  load = get;
}

/** Loads the sender, once the collector is known (again if it failed to load). */
export function flush(): void {
  if (config.key && config.host)
    sender ||= load().catch((e) => {
      sender = undefined;
      warn(e);
    });
}

/**
 * Erases what the tag stored (the ledger, calls written ahead, the outbox's localStorage and the
 * `_cb_ids` cookie), when a denial or `reset()` was called on a page hidden before its sender took it.
 */
function erase(): void {
  for (const store of [localStorage, sessionStorage]) for (const key of [STORE, CALLS, OUTBOX]) store.removeItem(key);
  // The cookie is on the registrable domain (the sender found it, cookies.ts): deleted on every
  // suffix of the hostname, which needs no probe.
  for (let d = location.hostname; d; d = d.slice(d.indexOf('.') + 1 || 1e9))
    document.cookie = `${COOKIE}=;path=/;max-age=0;domain=${d}`;
  document.cookie = `${COOKIE}=;path=/;max-age=0`;
}

/**
 * The page is hidden (or left) before the sender took its calls: after a denial or `reset()` among
 * them, what was stored is erased (and the calls before it go); the rest is written ahead unless ads
 * consent is denied: to localStorage, or to session storage (this tab) while consent is pending.
 */
export function hide(): void {
  const calls = link.calls_;
  if (!calls[0]) return;
  try {
    // (A consent call is ['consent', time, ads]; no other call has 'denied' in that place.)
    const last = calls.reduce((n: number, c, i) => (c[0] == 'reset' || c[2] == 'denied' ? i : n), -1);
    if (last >= 0) {
      erase();
      calls.splice(0, last + 1);
    }
    const state = adsConsent(JSON.parse(localStorage.getItem(STORE)!)?.c);
    if (state == 'denied') return;
    const store = state == 'pending' ? sessionStorage : localStorage;
    // (A URL without a query holds no click ID: not written.)
    const ahead = calls.splice(0).filter((c) => c[0] != 'page' || /=/.test(c[2] as string));
    if (ahead[0]) store.setItem(CALLS, JSON.stringify((JSON.parse(store.getItem(CALLS)!) || []).concat(ahead)));
  } catch {}
}
