import { announce } from './announce';
import { harvest } from './harvest';
import { link } from './link';
import { changeOutbox } from './outbox-store';
import { send } from './transport';

// The collector remembers message ids for 7 days: an older event could count twice, so it goes.
const MAX_AGE = 7 * 86_400_000;

let busy = 0;
let again = 0;
let forced: unknown;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s ... at most 5 minutes. */
export function retryDelay(attempts: number, random = Math.random()): number {
  return Math.min(1000 * 2 ** attempts, 300_000) * (0.5 + random / 2);
}

/**
 * Harvests other tags' cookies into the ledger when they changed (harvest.ts), then sends the outbox in batches of up to 50 events and about 60 KB. A 2xx (the collector answers per
 * event) or a 4xx other than 429 (retrying cannot help) removes the batch; 5xx, 429 and network
 * errors back off, by a timer on this page and on the next pages (the outbox is stored). `force`
 * sends without waiting for the backoff (the browser is back online).
 */
export async function flush(now = Date.now(), force?: unknown): Promise<void> {
  const { key, host } = link.config_;
  if (busy || !key || !host) {
    // A pass is running: it runs once more when done (forced if this wake-up was).
    if (busy) {
      again = 1;
      if (force) forced = 1;
    }
    return;
  }
  busy = 1;
  // A person token the collector answered with in this pass: the ledger takes it once, at the end.
  let token: unknown;
  try {
    harvest(now);
    for (;;) {
      const { q, at } = await changeOutbox((box) => ({ ...box, q: box.q.filter((e) => e.timestamp + MAX_AGE > now) }));
      if (!q[0] || (at > now && !force)) return schedule(q[0] && at);
      let chars = 0;
      const batch = q
        .filter((e, i) => i < 50 && ((chars += JSON.stringify(e).length) < 60_000 || !i))
        .map((e) => e.messageId);
      let status = 0;
      try {
        const res = await send(
          host + '/v1/collect',
          JSON.stringify({ key, events: q.filter((e) => batch.includes(e.messageId)) }),
          link.mayStore_(),
        );
        status = res.status;
        const body = status < 300 && (await res.json());
        // The collector's signed person token (never the email): kept in the ledger (stored by take).
        if (typeof body.token == 'string' && body.token.length < 513) link.state_().k = token = body.token;
        announce(body.conversions);
        if (status > 299 || body.rejected[0]) link.warn_('rejected', status, body.rejected);
      } catch {}
      const family = Math.floor(status / 100);
      const retry = !(family == 2 || (family == 4 && status != 429));
      const box = await changeOutbox((box) =>
        retry
          ? { ...box, n: box.n + 1, at: now + retryDelay(box.n) }
          : { q: box.q.filter((e) => !batch.includes(e.messageId)), n: 0, at: 0 },
      );
      if (retry) return schedule(box.at);
    }
  } finally {
    if (token) link.take_([], now);
    busy = 0;
    if (again) {
      // Another wake-up came during this pass: one more, forced if that one was (back online).
      const f = forced;
      again = forced = 0;
      flush(Date.now(), f).catch(link.warn_);
    }
  }
}

export function flushSoon(_?: unknown): void {
  flush().catch(link.warn_);
}

function schedule(at: unknown): void {
  clearTimeout(timer);
  if (at) timer = setTimeout(flushSoon, (at as number) - Date.now());
}

/** For tests: cancel the retry timer. */
export function stopOutbox(): void {
  clearTimeout(timer);
  busy = again = 0;
  forced = 0;
}
