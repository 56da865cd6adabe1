// The ChatGPT Ads destination driven through the outbox against its fake.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, flush, MemoryOutboxStore, requeue, type DestinationRuntime } from '../../collector/delivery/outbox';
import { openaiAds } from '../../collector/destinations/openai-ads';
import { openaiAdsSettingsSchema, type OpenAIAdsSettings } from '../../shared/schemas/destinations';
import { startOpenAIAdsFake, type OpenAIAdsFake } from './openai-ads';
import { Clock, DAY, drain, row, statuses, T0 } from './support';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
let fake: OpenAIAdsFake;
let store: MemoryOutboxStore;
const settings: OpenAIAdsSettings = openaiAdsSettingsSchema.parse({
  pixelId: 'px_contract',
  apiKey: 'sk-svcacct-contract-01',
});
const rt = (over: Partial<DestinationRuntime<OpenAIAdsSettings>> = {}): DestinationRuntime<OpenAIAdsSettings> => ({
  def: openaiAds,
  settings,
  mode: 'live',
  endpoint: fake.url,
  timeoutMs: 3000,
  random: () => 0.5,
  ...over,
});

beforeAll(async () => {
  fake = await startOpenAIAdsFake({ pixelId: 'px_contract', apiKey: 'sk-svcacct-contract-01', now: clock.now });
});
afterAll(() => fake.stop());
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  fake.events.length = 0;
  fake.requests.length = 0;
  fake.clearFaults();
});

describe('ChatGPT Ads against the fake', () => {
  it('sends each row once: entry id, lead_created, hashed email, IP / UA, value in minor units', async () => {
    const x = row({ conversion: { valueField: 'crm.opportunity.amount', currency: 'usd' } });
    const r = rt();
    await enqueue(store, r, [x, row()], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.query).toEqual({ pid: 'px_contract' });
    expect(fake.events[0]).toEqual({
      id: x.id,
      type: 'lead_created',
      timestamp_ms: x.eventTime * 1000,
      user: { email_sha256: sha(x.email.toLowerCase()), ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 Test' },
      data: { type: 'customer_action', amount: 125050, currency: 'USD' },
    });
  });

  it('dry_run sends nothing and redacts the key; test mode is validated by the platform and saves nothing', async () => {
    let r = rt({ mode: 'dry_run' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect(fake.requests).toHaveLength(0);
    expect(JSON.stringify(store.requests)).not.toContain('sk-svcacct-contract-01');
    store = new MemoryOutboxStore();
    const validated = fake.validated;
    r = rt({ mode: 'test' });
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(fake.validated).toBe(validated + 1);
    expect(fake.events).toHaveLength(0);
    expect(store.get(x.id)).toMatchObject({ status: 'sent', note: expect.stringContaining('validate_only') });
  });

  it('packs 2,500 rows into requests of 1,000; a batch failed by one event is split until it is alone', async () => {
    const rows = Array.from({ length: 2500 }, () => row());
    fake.poison(rows[2400]!.id);
    const r = rt();
    await enqueue(store, r, rows, clock.ms);
    await drain(store, r, clock);
    expect(fake.requests.slice(0, 3).map((q) => (q.body as any).events.length)).toEqual([1000, 1000, 500]);
    expect(statuses(store)).toEqual({ sent: 2499, failed: 1 });
    expect(new Set(fake.events.map((e) => e.id)).size).toBe(2499);
  });

  it('retries 429 after its Retry-After, a 500 and an ambiguous timeout; the same ids are saved once', async () => {
    const rows = [row(), row()];
    fake.fault({ status: 429, retryAfter: '90' });
    fake.fault({ status: 500 });
    fake.fault({ hang: 'after' });
    const r = rt({ timeoutMs: 500 });
    await enqueue(store, r, rows, clock.ms);
    await flush(store, r, clock.now);
    expect(store.get(rows[0]!.id)!.dueAt! - clock.ms).toBeGreaterThanOrEqual(90_000);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(fake.requests.map((q) => q.status)).toEqual([429, 500, 200, 200]);
    expect(fake.events).toHaveLength(2);
  });

  it('a revoked key fails the rows with the platform error (no refresh exists); skips events over 7 days', async () => {
    fake.fault({ status: 401 });
    const x = row();
    const old = row({ eventTime: Math.floor((T0 - 8 * DAY) / 1000) });
    await enqueue(store, rt(), [x, old], clock.ms);
    await drain(store, rt(), clock);
    expect(store.get(x.id)).toMatchObject({ status: 'failed', error: { code: 'invalid_api_key' } });
    expect(store.get(old.id)).toMatchObject({ status: 'skipped', skipReason: 'too_old' });
    requeue(store, x.id, clock.ms);
    await drain(store, rt(), clock);
    expect(fake.events.map((e) => e.id)).toEqual([x.id]);
  });
});
