// The sender's start on a page (tag-send.js, or bundled in the ES module): it takes over the core's
// calls, those an earlier page wrote ahead first, and sends.
import { run, send, take } from './calls';
import { drain, later } from './later';
import { ledger, storageAllowed, wipe } from './ledger';
import { CALLS, link, type Call } from './link';
import { flush, flushSoon } from './outbox';

Object.assign(link, { mayStore_: storageAllowed, held_: [], state_: ledger, take_: take, erase_: wipe });

/**
 * Starts the sender: takes the calls the core keeps for it (link.ts), then each new one as it comes;
 * runs what waits at once and sends when the page is hidden or left (keepalive lets that request
 * outlive the page), and sends when the browser comes back online.
 */
export function startSender(): void {
  const leave = () => {
    drain();
    flushSoon();
  };
  addEventListener('pagehide', leave);
  addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && leave());
  // Back online: the backoff was waiting for the network, so send now.
  addEventListener('online', () => flush(Date.now(), 1).catch(link.warn_));
  // In a step (storage): the calls written ahead by pages whose sender never took them (or by this
  // one, hidden before), in the order they were made, then this page's; later ones as they come.
  later(() => {
    const calls = link.calls_;
    let ahead: Call[] = [];
    // (Session storage only on a site whose default is 'pending': the core wrote there while it was.)
    for (const store of link.config_.consent == 'pending' ? [localStorage, sessionStorage] : [localStorage])
      try {
        const json = store.getItem(CALLS);
        if (json) {
          ahead = ahead.concat(JSON.parse(json));
          store.removeItem(CALLS);
        }
      } catch {}
    ahead
      .sort((a, b) => (a[1] as number) - (b[1] as number))
      .concat(calls.splice(0))
      .map(run);
    calls.push = (...more: Call[]) => (more.map(run), 0);
    later(send);
  });
}
