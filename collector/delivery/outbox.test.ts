// The outbox over its in-memory store, with a made-up platform: rows enqueued once per key, due rows
// leased and sent in batches up to the platform's limit, outcomes applied through the retry policy,
// explicit retries only for failed rows. The contract suites (test/fakes) drive it against each
// platform's fake; the DestinationObject suites (test/worker) prove the SQLite store and the alarm.
import { describe, expect, it } from 'vitest';
import type { DestinationDefinition } from '../destinations/definition';
import { enqueue, flush, MemoryOutboxStore, requeue, type DestinationRuntime } from './outbox';
import type { ConversionRow } from './types';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

type Item = { id: string };
/** Answers per item: 'ok', 'no_match' (unmatched), 'retry' (transient), 'bad' (permanent). */
const platform: DestinationDefinition<Record<string, never>, Item> = {
  type: 'meta',
  label: 'Test platform',
  batchLimit: 2,
  maxEventAgeMs: () => 7 * 86_400_000,
  sendsInTest: true,
  async prepare(row) {
    return row.email ? { ok: true, item: { id: row.id } } : { ok: false, reason: 'no_identifier', message: 'no email' };
  },
  buildRequest: (items) => ({
    method: 'POST',
    url: 'https://platform.test/events',
    headers: {},
    body: { ids: items.map((i) => i.id) },
  }),
  parseResponse(res, items) {
    if (res.status >= 500)
      return items.map(() => ({
        status: 'error',
        failure: { class: 'transient', error: { code: `HTTP_${res.status}`, message: 'down' } },
      }));
    const answers = (res.body as { answers: string[] }).answers;
    return items.map((_, i) => {
      const a = answers[i];
      if (a === 'ok') return { status: 'sent' };
      if (a === 'no_match') return { status: 'unmatched', error: { code: 'NO_MATCH', message: 'nobody' } };
      if (a === 'retry')
        return { status: 'error', failure: { class: 'transient', error: { code: 'BUSY', message: 'busy' } } };
      return { status: 'error', failure: { class: 'permanent', error: { code: 'BAD', message: 'refused' } } };
    });
  },
};

function row(id: string, over: Partial<ConversionRow> = {}): ConversionRow {
  return {
    id,
    eventTime: T0 / 1000 - 60,
    email: `${id}@example.com`,
    touches: [],
    devices: [],
    attributes: {},
    conversion: {},
    ...over,
  } as ConversionRow;
}

/** A platform stub answering each request with the next scripted reply; records the ids it got. */
function platformStub(replies: ((ids: string[]) => { status: number; answers?: string[] })[]) {
  const requests: string[][] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const ids = (JSON.parse(String(init.body)) as { ids: string[] }).ids;
    requests.push(ids);
    const reply = replies.shift()?.(ids) ?? { status: 200, answers: ids.map(() => 'ok') };
    return new Response(JSON.stringify({ answers: reply.answers ?? [] }), {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { requests, fetchImpl };
}

function runtime(fetchImpl: typeof fetch): DestinationRuntime<Record<string, never>> {
  return { def: platform, settings: {}, mode: 'live', fetchImpl, random: () => 0.5 };
}

describe('enqueue', () => {
  it('queues a row once per key; a row that cannot be prepared is skipped with the reason', async () => {
    const store = new MemoryOutboxStore();
    const rt = runtime(platformStub([]).fetchImpl);
    expect(await enqueue(store, rt, [row('a'), row('b', { email: '' })], T0)).toEqual({
      queued: 1,
      skipped: 1,
      existing: 0,
    });
    expect(await enqueue(store, rt, [row('a'), row('b')], T0 + 1)).toEqual({ queued: 0, skipped: 0, existing: 2 });
    expect(store.get('a')).toMatchObject({ status: 'queued', attempts: 0, dueAt: T0, item: { id: 'a' } });
    expect(store.get('b')).toMatchObject({ status: 'skipped', skipReason: 'no_identifier', note: 'no email' });
  });

  it('writes a row handed over twice at once (preparing awaits) once, and counts its coverage once', async () => {
    let counted = 0;
    const store = new (class extends MemoryOutboxStore {
      countCoverage() {
        counted++;
      }
    })();
    const rt = runtime(platformStub([]).fetchImpl);
    const [a, b] = await Promise.all([enqueue(store, rt, [row('a')], T0), enqueue(store, rt, [row('a')], T0)]);
    expect([a, b]).toEqual([
      { queued: 1, skipped: 0, existing: 0 },
      { queued: 0, skipped: 0, existing: 1 },
    ]);
    expect(counted).toBe(1);
  });
});

describe('flush', () => {
  it('sends due rows in batches up to the platform limit and records each request', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([]);
    const rt = runtime(stub.fetchImpl);
    await enqueue(
      store,
      rt,
      ['a', 'b', 'c'].map((id) => row(id)),
      T0,
    );
    const stats = await flush(store, rt, () => T0);
    expect(stub.requests).toEqual([['a', 'b'], ['c']]);
    expect(stats).toMatchObject({ requests: 2, sent: 3 });
    expect([...store.rows.values()].map((e) => [e.id, e.status, e.attempts])).toEqual([
      ['a', 'sent', 1],
      ['b', 'sent', 1],
      ['c', 'sent', 1],
    ]);
    expect(store.requests.map((r) => r.rowIds)).toEqual([['a', 'b'], ['c']]);
    expect(store.get('c')!.lastRequestId).toBe(store.requests[1]!.id);
  });

  it('a sent row is never sent again, not even when enqueued again', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([]);
    const rt = runtime(stub.fetchImpl);
    await enqueue(store, rt, [row('a')], T0);
    await flush(store, rt, () => T0);
    await enqueue(store, rt, [row('a')], T0 + 1000);
    await flush(store, rt, () => T0 + 86_400_000);
    expect(stub.requests).toEqual([['a']]);
  });

  it('applies each row its own outcome: unmatched and refused end, a transient failure comes back later', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([
      () => ({ status: 200, answers: ['no_match', 'bad'] }),
      () => ({ status: 200, answers: ['retry'] }),
    ]);
    const rt = runtime(stub.fetchImpl);
    await enqueue(
      store,
      rt,
      ['a', 'b', 'c'].map((id) => row(id)),
      T0,
    );
    const stats = await flush(store, rt, () => T0);
    expect(stats).toMatchObject({ unmatched: 1, failed: 1, retried: 1 });
    expect(store.get('a')).toMatchObject({ status: 'unmatched', error: { code: 'NO_MATCH' } });
    expect(store.get('b')).toMatchObject({ status: 'failed', error: { code: 'BAD' } });
    const c = store.get('c')!;
    expect(c).toMatchObject({ status: 'queued', attempts: 1, leaseUntil: null, error: { code: 'BUSY' } });
    expect(c.dueAt).toBeGreaterThan(T0);
    // Not due yet: nothing goes; once due it goes again with the same id.
    await flush(store, rt, () => c.dueAt - 1);
    expect(stub.requests).toHaveLength(2);
    await flush(store, rt, () => c.dueAt);
    expect(stub.requests.at(-1)).toEqual(['c']);
    expect(store.get('c')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a row leased by a flush that never finished goes again once its lease ran out', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([]);
    const rt = runtime(stub.fetchImpl);
    await enqueue(store, rt, [row('a')], T0);
    store.put({ ...store.get('a')!, status: 'leased', leaseUntil: T0 + 60_000, attempts: 1 });
    await flush(store, rt, () => T0 + 59_999);
    expect(stub.requests).toEqual([]);
    await flush(store, rt, () => T0 + 60_000);
    expect(stub.requests).toEqual([['a']]);
    expect(store.get('a')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a row the gate holds waits, one it cancels is skipped, neither is sent', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([]);
    const rt = {
      ...runtime(stub.fetchImpl),
      gate: (e: { id: string }) =>
        (e.id === 'held' ? 'hold' : e.id === 'gone' ? 'cancel' : 'send') as 'send' | 'hold' | 'cancel',
    };
    await enqueue(
      store,
      rt,
      ['held', 'gone', 'go'].map((id) => row(id)),
      T0,
    );
    await flush(store, rt, () => T0);
    expect(stub.requests).toEqual([['go']]);
    expect(store.get('held')).toMatchObject({ status: 'queued', attempts: 0 });
    expect(store.get('held')!.dueAt).toBeGreaterThan(T0);
    expect(store.get('gone')).toMatchObject({ status: 'skipped', skipReason: 'cancelled' });
  });
});

describe('requeue', () => {
  it('puts a failed row back with the same id and fresh attempts; a sent row stays as it is', async () => {
    const store = new MemoryOutboxStore();
    const stub = platformStub([() => ({ status: 200, answers: ['bad', 'ok'] })]);
    const rt = runtime(stub.fetchImpl);
    await enqueue(store, rt, [row('a'), row('b')], T0);
    await flush(store, rt, () => T0);
    expect(requeue(store, 'b', T0 + 1)).toBeNull();
    expect(requeue(store, 'missing', T0 + 1)).toBeNull();
    expect(requeue(store, 'a', T0 + 1)).toMatchObject({
      id: 'a',
      status: 'queued',
      attempts: 0,
      dueAt: T0 + 1,
      error: null,
    });
    await flush(store, rt, () => T0 + 1);
    expect(stub.requests).toEqual([['a', 'b'], ['a']]);
    expect(store.get('a')!.status).toBe('sent');
  });
});
