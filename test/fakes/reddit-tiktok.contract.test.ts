// The Reddit and TikTok destinations driven through the outbox against their fakes: what arrives,
// batching at the platform's limit, dry_run and test mode, and 429 / 5xx / timeout / bad token.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, flush, MemoryOutboxStore, requeue, type DestinationRuntime } from '../../collector/delivery/outbox';
import type { ConversionRow } from '../../collector/delivery/types';
import { reddit } from '../../collector/destinations/reddit';
import { tiktok } from '../../collector/destinations/tiktok';
import {
  redditSettingsSchema,
  tiktokSettingsSchema,
  type RedditSettings,
  type TikTokSettings,
} from '../../shared/schemas/destinations';
import { startRedditFake, type RedditFake } from './reddit';
import { Clock, DAY, drain, row as baseRow, statuses, T0 } from './support';
import { startTikTokFake, type TikTokFake } from './tiktok';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
let rd: RedditFake;
let tt: TikTokFake;
let store: MemoryOutboxStore;
let n = 0;

/** A row whose person clicked a Reddit and a TikTok ad from one browser. */
function row(over: Partial<ConversionRow> = {}): ConversionRow {
  const r = baseRow(over);
  const k = ++n;
  return {
    ...r,
    touches: over.touches ?? [
      ...r.touches,
      {
        kind: 'rdt_cid',
        value: `31847420452918${String(k).padStart(5, '0')}`,
        firstSeen: T0 - DAY,
        anonymousId: 'anon-1',
        landingUrl: 'https://site.test/lp?rdt_cid=x',
      },
      { kind: 'rdt_uuid', value: '1763000000000.b8f7eb7d-b357-437b-8bd3-e1c8166c7132', firstSeen: T0 - 5 * DAY },
      {
        kind: 'ttclid',
        value: `E.C.P.CpABtt_${k}`,
        firstSeen: T0 - 2 * DAY,
        anonymousId: 'anon-1',
        landingUrl: 'https://site.test/lp?ttclid=x',
      },
      { kind: 'ttp', value: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK', firstSeen: T0 - 9 * DAY },
    ],
  };
}

beforeAll(async () => {
  rd = await startRedditFake({ pixelId: 'a2_contract1', accessToken: 'reddit-token-contract-01', now: clock.now });
  tt = await startTikTokFake({
    pixelCode: 'CCONTRACT12345678',
    accessToken: 'tiktok-token-contract-01',
    now: clock.now,
  });
});
afterAll(async () => {
  await rd.stop();
  await tt.stop();
});
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  for (const f of [rd, tt]) {
    f.events.length = 0;
    f.testEvents.length = 0;
    f.requests.length = 0;
    f.clearFaults();
  }
});

describe('Reddit against the fake', () => {
  const settings: RedditSettings = redditSettingsSchema.parse({
    pixelId: 'a2_contract1',
    accessToken: 'reddit-token-contract-01',
    testId: 't2_contract',
  });
  const rt = (over: Partial<DestinationRuntime<RedditSettings>> = {}): DestinationRuntime<RedditSettings> => ({
    def: reddit,
    settings,
    mode: 'live',
    endpoint: rd.url,
    timeoutMs: 3000,
    random: () => 0.5,
    ...over,
  });

  it('sends each row once: rdt_cid, _rdt_uuid, Reddit-hashed email, IP / UA of the carrying device, conversion_id = entry id', async () => {
    const x = row({ conversion: { valueField: 'crm.opportunity.amount', currency: 'usd' } });
    const r = rt();
    await enqueue(store, r, [x, row()], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(rd.requests).toHaveLength(1);
    expect(rd.events[0]).toEqual({
      event_at: x.eventTime * 1000,
      action_source: 'WEBSITE',
      type: { tracking_type: 'LEAD' },
      click_id: x.touches.find((t) => t.kind === 'rdt_cid')!.value,
      event_source_url: 'https://site.test/lp?rdt_cid=x',
      metadata: { conversion_id: x.id, value: 1250.5, currency: 'USD' },
      // Reddit's email rule: dots and +suffix of the local part dropped (Person.N@Example.com -> personn@example.com).
      user: {
        email: sha(`person${x.email.split('@')[0]!.split('.')[1]}@example.com`),
        uuid: '1763000000000.b8f7eb7d-b357-437b-8bd3-e1c8166c7132',
        ip_address: '203.0.113.7',
        user_agent: 'Mozilla/5.0 Test',
      },
    });
  });

  it('dry_run records the exact body with the token redacted and sends nothing; test mode goes to Event Testing', async () => {
    let r = rt({ mode: 'dry_run' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(rd.requests).toHaveLength(0);
    expect(JSON.stringify(store.requests)).not.toContain('reddit-token-contract-01');
    expect(store.requests[0]!.request.headers.authorization).toBe('[REDACTED]');
    store = new MemoryOutboxStore();
    r = rt({ mode: 'test' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(rd.events).toHaveLength(0);
    expect(rd.testEvents).toHaveLength(1);
    expect(rd.testEvents[0]!.testId).toBe('t2_contract');
  });

  it('packs 2,500 rows into requests of at most 1,000 and skips events over 7 days old', async () => {
    const r = rt();
    const old = row({ eventTime: Math.floor((T0 - 8 * DAY) / 1000) });
    await enqueue(store, r, [...Array.from({ length: 2500 }, () => row()), old], clock.ms);
    await drain(store, r, clock);
    expect(rd.requests.map((q) => (q.body as any).data.events.length)).toEqual([1000, 1000, 500]);
    expect(new Set(rd.events.map((e: any) => e.metadata.conversion_id)).size).toBe(2500);
    expect(store.get(old.id)).toMatchObject({ status: 'skipped', skipReason: 'too_old' });
  });

  it('a request refused for one event is split until only that event fails', async () => {
    const rows = Array.from({ length: 8 }, () => row());
    rd.poison(rows[3]!.id);
    const r = rt();
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 7, failed: 1 });
    expect(store.get(rows[3]!.id)).toMatchObject({ status: 'failed', error: { code: 'HTTP_400' } });
    expect(rd.events).toHaveLength(7);
  });

  it('retries 429 after its Retry-After, a 503 and an ambiguous timeout with the same conversion ids', async () => {
    const rows = [row(), row()];
    rd.fault({ status: 429, retryAfter: '120' });
    rd.fault({ status: 503 });
    rd.fault({ hang: 'after' });
    const r = rt({ timeoutMs: 500 });
    await enqueue(store, r, rows, clock.ms);
    await flush(store, r, clock.now);
    expect(store.get(rows[0]!.id)).toMatchObject({ status: 'queued', error: { code: 'HTTP_429' } });
    expect(store.get(rows[0]!.id)!.dueAt! - clock.ms).toBeGreaterThanOrEqual(120_000);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(rd.requests.map((q) => q.status)).toEqual([429, 503, 200, 200]);
    // The ambiguous send reached Reddit; the resend with the same conversion ids counts once.
    expect(rd.events).toHaveLength(2);
    expect(store.get(rows[0]!.id)!.attempts).toBe(4);
  });

  it("an invalid or expired token fails the rows with Reddit's error (a token is not refreshable); retried after a new one", async () => {
    const x = row();
    await enqueue(store, rt({ settings: { ...settings, accessToken: 'reddit-token-expired-000' } }), [x], clock.ms);
    await drain(store, rt({ settings: { ...settings, accessToken: 'reddit-token-expired-000' } }), clock);
    expect(store.get(x.id)).toMatchObject({ status: 'failed', error: { code: 'HTTP_401', message: 'UNAUTHORIZED' } });
    expect(requeue(store, x.id, clock.ms)).toMatchObject({ status: 'queued' });
    await drain(store, rt(), clock);
    expect(store.get(x.id)!.status).toBe('sent');
  });
});

describe('TikTok against the fake', () => {
  const settings: TikTokSettings = tiktokSettingsSchema.parse({
    pixelCode: 'CCONTRACT12345678',
    accessToken: 'tiktok-token-contract-01',
    testEventCode: 'TEST4242',
  });
  const rt = (over: Partial<DestinationRuntime<TikTokSettings>> = {}): DestinationRuntime<TikTokSettings> => ({
    def: tiktok,
    settings,
    mode: 'live',
    endpoint: tt.url,
    timeoutMs: 3000,
    random: () => 0.5,
    ...over,
  });

  it('sends each row once: ttclid, _ttp, hashed email and phone, IP / UA, event_id = entry id, value with currency', async () => {
    const x = row({
      identifiers: { phone: '+44 20 7946 0958' },
      conversion: { eventName: 'CompleteRegistration', value: 40, currency: 'gbp' },
    });
    const r = rt();
    await enqueue(store, r, [x, row()], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(tt.requests).toHaveLength(1);
    expect(tt.requests[0]!.body).toMatchObject({ event_source: 'web', event_source_id: 'CCONTRACT12345678' });
    expect(tt.events[0]).toEqual({
      event: 'CompleteRegistration',
      event_time: x.eventTime,
      event_id: x.id,
      user: {
        email: sha(x.email.toLowerCase()),
        phone: sha('+442079460958'),
        ttclid: x.touches.find((t) => t.kind === 'ttclid')!.value,
        ttp: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK',
        ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0 Test',
      },
      page: { url: 'https://site.test/lp?ttclid=x' },
      properties: { value: 40, currency: 'GBP' },
    });
  });

  it('dry_run sends nothing and redacts the Access-Token; test mode carries the test event code', async () => {
    let r = rt({ mode: 'dry_run' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(tt.requests).toHaveLength(0);
    expect(JSON.stringify(store.requests)).not.toContain('tiktok-token-contract-01');
    store = new MemoryOutboxStore();
    r = rt({ mode: 'test' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(tt.events).toHaveLength(0);
    expect(tt.testEvents.map((e) => e.testEventCode)).toEqual(['TEST4242']);
  });

  it('packs 2,500 rows into requests of at most 1,000; a refused event is isolated by splitting', async () => {
    const rows = Array.from({ length: 2500 }, () => row());
    tt.poison(rows[1700]!.id);
    const r = rt();
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(tt.requests.slice(0, 3).map((q) => (q.body as any).data.length)).toEqual([1000, 1000, 500]);
    expect(statuses(store)).toEqual({ sent: 2499, failed: 1 });
    expect(store.get(rows[1700]!.id)).toMatchObject({ status: 'failed', error: { code: '40002' } });
    expect(new Set(tt.events.map((e: any) => e.event_id)).size).toBe(2499);
  });

  it('retries throttling (code 40100 and a 429 with Retry-After), a 500 and a timeout; the same event ids count once', async () => {
    const rows = [row(), row()];
    tt.fault({ kind: 'rate_limit' });
    tt.fault({ status: 429, retryAfter: '60' });
    tt.fault({ status: 500 });
    tt.fault({ hang: 'after' });
    const r = rt({ timeoutMs: 500 });
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(tt.requests.map((q) => [q.status, (q.reply as any).code])).toEqual([
      [200, 40100],
      [429, 40100],
      [500, 50000],
      [200, 0],
      [200, 0],
    ]);
    expect(tt.events).toHaveLength(2);
    expect(store.get(rows[0]!.id)!.attempts).toBe(5);
  });

  it("an expired token (40105) fails the rows with TikTok's code; retried from the log once a new token is entered", async () => {
    tt.fault({ status: 401 });
    const x = row();
    await enqueue(store, rt(), [x], clock.ms);
    await drain(store, rt(), clock);
    expect(store.get(x.id)).toMatchObject({ status: 'failed', error: { code: '40105' } });
    requeue(store, x.id, clock.ms);
    await drain(store, rt(), clock);
    expect(tt.events.map((e: any) => e.event_id)).toEqual([x.id]);
  });
});
