// The Meta destination driven through the outbox against the Meta fake.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, MemoryOutboxStore, requeue, type DestinationRuntime } from '../../collector/delivery/outbox';
import { meta } from '../../collector/destinations/meta';
import { metaSettingsSchema, type MetaSettings } from '../../shared/schemas/destinations';
import { startMetaFake, type MetaFake } from './meta';
import { Clock, DAY, drain, row, statuses, T0 } from './support';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
let fake: MetaFake;
let store: MemoryOutboxStore;
const settings: MetaSettings = metaSettingsSchema.parse({
  pixelId: '1234567',
  accessToken: 'EAAsecret-meta-token-000',
  testEventCode: 'TEST4242',
});
const rt = (over: Partial<DestinationRuntime<MetaSettings>> = {}): DestinationRuntime<MetaSettings> => ({
  def: meta,
  settings,
  mode: 'live',
  endpoint: fake.url,
  timeoutMs: 3000,
  random: () => 0.5,
  ...over,
});

beforeAll(async () => {
  fake = await startMetaFake({ pixelId: '1234567', accessToken: 'EAAsecret-meta-token-000', now: clock.now });
});
afterAll(() => fake.stop());
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  fake.events.length = 0;
  fake.requests.length = 0;
  fake.clearFaults();
});

describe('Meta destination against the fake', () => {
  it('sends each row once with hashed email, fbc from first-seen, fbp, IP and UA of the carrying device', async () => {
    const rows = [
      row(),
      row({ conversion: { eventName: 'MQL', valueField: 'crm.opportunity.amount', currency: 'eur' } }),
    ];
    const r = rt();
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(fake.requests.filter((q) => q.path.endsWith('/events'))).toHaveLength(1);
    const [a, b] = fake.events.map((e) => e.event);
    expect(a).toMatchObject({
      event_name: 'Lead',
      event_time: rows[0]!.eventTime,
      event_id: rows[0]!.id,
      action_source: 'system_generated',
      user_data: {
        em: [sha(rows[0]!.email.toLowerCase())],
        fbc: `fb.1.${T0 - DAY}.${rows[0]!.touches[1]!.value}`,
        fbp: 'fb.1.1763000000000.1234567890',
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0 Test',
      },
    });
    expect(a).not.toHaveProperty('custom_data');
    expect(b).toMatchObject({ event_name: 'MQL', custom_data: { value: 1250.5, currency: 'EUR' } });
  });

  it('dry_run records the exact body, credentials redacted, and sends nothing', async () => {
    const r = rt({ mode: 'dry_run' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(fake.requests).toHaveLength(0);
    const log = store.requests[0]!;
    expect(log.request.url).toContain('access_token=[REDACTED]');
    expect(JSON.stringify(log)).not.toContain('EAAsecret');
    expect((log.request.body as any).data[0].event_id).toBe([...store.rows.values()][0]!.id);
  });

  it('test mode adds test_event_code', async () => {
    const r = rt({ mode: 'test' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(fake.events[0]!.testEventCode).toBe('TEST4242');
  });

  it('clamps a future event time to now and skips events older than 7 days or with consent denied', async () => {
    const r = rt();
    const future = row({ eventTime: Math.floor(T0 / 1000) + 120 });
    const old = row({ eventTime: Math.floor((T0 - 8 * DAY) / 1000) });
    const denied = row({ consent: 'denied' });
    expect(await enqueue(store, r, [future, old, denied], clock.ms)).toEqual({ queued: 1, skipped: 2, existing: 0 });
    await drain(store, r, clock);
    expect(fake.events[0]!.event.event_time).toBe(Math.floor(T0 / 1000));
    expect(store.get(old.id)).toMatchObject({ status: 'skipped', skipReason: 'too_old' });
    expect(store.get(denied.id)).toMatchObject({ status: 'skipped', skipReason: 'consent_denied' });
  });

  it('never sends a row that waited past the 7-day limit (e.g. while paused)', async () => {
    const r = rt();
    const x = row({ eventTime: Math.floor((T0 - 6.5 * DAY) / 1000) });
    const fresh = row();
    await enqueue(store, r, [x, fresh], clock.ms);
    clock.advance(DAY);
    await drain(store, r, clock);
    expect(store.get(x.id)).toMatchObject({ status: 'skipped', skipReason: 'too_old' });
    expect(store.get(fresh.id)!.status).toBe('sent');
    expect(fake.events.map((e) => e.event.event_id)).toEqual([fresh.id]);
  });

  it('packs 2,500 rows into 3 requests of at most 1,000', async () => {
    const r = rt();
    await enqueue(
      store,
      r,
      Array.from({ length: 2500 }, () => row()),
      clock.ms,
    );
    await drain(store, r, clock);
    const sizes = fake.requests.map((q) => (q.body as any).data.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(new Set(fake.events.map((e) => e.event.event_id)).size).toBe(2500);
  });

  it('splits a rejected batch to isolate the bad event; the rest go once', async () => {
    const rows = Array.from({ length: 8 }, () => row());
    fake.poison(rows[5]!.id);
    const r = rt();
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(store.get(rows[5]!.id)).toMatchObject({ status: 'failed' });
    expect(statuses(store)).toEqual({ sent: 7, failed: 1 });
    const ids = fake.events.map((e) => e.event.event_id);
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
  });

  it('retries 429 (after Retry-After), 500 and an ambiguous timeout, with the same event ids', async () => {
    const rows = Array.from({ length: 3 }, () => row());
    fake.fault({ status: 429, retryAfter: '120' });
    fake.fault({ status: 500 });
    fake.fault({ hang: 'after' });
    const r = rt({ timeoutMs: 500 });
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 3 });
    expect(fake.requests.map((q) => q.status)).toEqual([429, 500, 200, 200]);
    // The ambiguous send reached Meta and was resent with the same event_id: Meta keeps one.
    const ids = fake.events.map((e) => e.event.event_id as string);
    expect(new Set(ids)).toEqual(new Set(rows.map((x) => x.id)));
    expect(store.get(rows[0]!.id)!.attempts).toBe(4);
  });

  it('rows that failed together are retried together, not scattered into batches of one', async () => {
    fake.fault({ status: 500 });
    const r = rt({ random: Math.random });
    await enqueue(
      store,
      r,
      Array.from({ length: 50 }, () => row()),
      clock.ms,
    );
    await drain(store, r, clock);
    expect(fake.requests.map((q) => [q.status, (q.body as any).data.length])).toEqual([
      [500, 50],
      [200, 50],
    ]);
  });

  it("a revoked token fails the rows with Meta's error (no refresh exists) and they can be retried", async () => {
    const r = rt({ settings: { ...settings, accessToken: 'EAA-wrong-token-0000' } });
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)).toMatchObject({ status: 'failed', error: { code: '190/463' } });
    expect(requeue(store, x.id, clock.ms)).toMatchObject({ status: 'queued', id: x.id });
    await drain(store, rt(), clock);
    expect(store.get(x.id)!.status).toBe('sent');
  });

  it('never enqueues the same entry twice (re-population) and never resends a sent row', async () => {
    const x = row();
    const r = rt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(await enqueue(store, r, [x], clock.ms)).toEqual({ queued: 0, skipped: 0, existing: 1 });
    await drain(store, r, clock);
    expect(requeue(store, x.id, clock.ms)).toBeNull();
    expect(fake.events).toHaveLength(1);
  });

  it('two conversions of one entry on one destination are two rows when keyed apart', async () => {
    const x = row();
    const r = rt();
    const out = await enqueue(
      store,
      r,
      [
        { ...x, key: `c1:${x.id}` },
        { ...x, key: `c2:${x.id}`, conversion: { eventName: 'SQL' } },
        { ...x, key: `c1:${x.id}` },
      ],
      clock.ms,
    );
    expect(out).toEqual({ queued: 2, skipped: 0, existing: 1 });
    await drain(store, r, clock);
    expect(fake.events.map((e) => [e.event.event_name, e.event.event_id])).toEqual([
      ['Lead', x.id],
      ['SQL', x.id],
    ]);
  });

  it('dead-letters after the last attempt, visible with its error', async () => {
    fake.fault({ status: 503, times: 20 });
    const x = row();
    const r = rt({ policy: undefined });
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)).toMatchObject({ status: 'dead_letter', attempts: 8, error: { code: '2' } });
    expect(fake.events).toHaveLength(0);
  });
});
