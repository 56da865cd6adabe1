// Both Google destinations driven through the outbox against their fakes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, MemoryOutboxStore, type DestinationRuntime } from '../../collector/delivery/outbox';
import { googleAds } from '../../collector/destinations/google-ads';
import { googleDataManager } from '../../collector/destinations/google-data-manager';
import {
  googleAdsSettingsSchema,
  googleDataManagerSettingsSchema,
  type GoogleAdsSettings,
  type GoogleDataManagerSettings,
} from '../../shared/schemas/destinations';
import { startGoogleAdsFake, type GoogleAdsFake } from './google-ads';
import { startDataManagerFake, type DataManagerFake } from './google-data-manager';
import { Clock, DAY, drain, row, statuses, T0 } from './support';

// Twelve conversions of one audience on one Data Manager destination, each its own conversion action.
const TWELVE_ACTIONS = Array.from({ length: 12 }, (_, i) => String(801 + i));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
const oauth = { clientId: 'g-client', clientSecret: 'g-secret-123456', refreshToken: 'g-refresh-123456' };
let ads: GoogleAdsFake;
let dm: DataManagerFake;
let store: MemoryOutboxStore;
const adsSettings: GoogleAdsSettings = googleAdsSettingsSchema.parse({
  customerId: '123-456-7890',
  conversionActionId: '555',
  loginCustomerId: '9876543210',
  ...oauth,
});
const dmSettings: GoogleDataManagerSettings = googleDataManagerSettingsSchema.parse({
  customerId: '1234567890',
  conversionActionId: '777',
  ...oauth,
});

beforeAll(async () => {
  ads = await startGoogleAdsFake({
    customerId: '1234567890',
    conversionActionIds: ['555'],
    loginCustomerId: '9876543210',
    ...oauth,
    now: clock.now,
  });
  dm = await startDataManagerFake({
    customerId: '1234567890',
    conversionActionIds: ['777', ...TWELVE_ACTIONS],
    ...oauth,
    now: clock.now,
  });
});
afterAll(async () => {
  await ads.stop();
  await dm.stop();
});
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  ads.conversions.length = 0;
  ads.requests.length = 0;
  dm.events.length = 0;
  dm.requests.length = 0;
  // A failed test must not leave a fault behind for the next one.
  ads.registry.strictClicks = false;
  dm.registry.strictClicks = false;
  ads.rowErrors.clear();
  ads.clearFaults();
  dm.clearFaults();
  dm.setProcessing(false);
});

const adsRt = (over: Partial<DestinationRuntime<GoogleAdsSettings>> = {}): DestinationRuntime<GoogleAdsSettings> => ({
  def: googleAds,
  settings: adsSettings,
  mode: 'live',
  endpoint: ads.url,
  tokenEndpoint: ads.url,
  timeoutMs: 3000,
  random: () => 0,
  ...over,
});
const dmRt = (
  over: Partial<DestinationRuntime<GoogleDataManagerSettings>> = {},
): DestinationRuntime<GoogleDataManagerSettings> => ({
  def: googleDataManager,
  settings: dmSettings,
  mode: 'live',
  endpoint: dm.url,
  tokenEndpoint: dm.url,
  timeoutMs: 3000,
  random: () => 0,
  ...over,
});

describe('Google Ads uploadClickConversions against the fake', () => {
  it("uploads one click each with Google's email normalization, orderId, time format and login-customer-id", async () => {
    const x = row({ email: ' Jane.Doe+ads@GoogleMail.com ', conversion: { value: 40, currency: 'usd' } });
    const emailOnly = row({ touches: [] });
    const r = adsRt();
    await enqueue(store, r, [x, emailOnly], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(ads.conversions[0]).toEqual({
      conversionAction: 'customers/1234567890/conversionActions/555',
      conversionDateTime: '2026-11-20 11:00:00+00:00',
      orderId: x.id,
      gclid: x.touches[0]!.value,
      userIdentifiers: [{ userIdentifierSource: 'FIRST_PARTY', hashedEmail: sha('janedoe@googlemail.com') }],
      conversionValue: 40,
      currencyCode: 'USD',
    });
    expect(ads.conversions[1]).not.toHaveProperty('gclid');
    expect(ads.requests.find((q) => q.path.includes('upload'))!.headers['login-customer-id']).toBe('9876543210');
    expect(ads.oauth.grants).toBeGreaterThan(0);
  });

  it('maps per-row errors: CLICK_NOT_FOUND unmatched, UNPARSEABLE failed, already-used orderId sent', async () => {
    ads.registry.strictClicks = true;
    const known = row();
    ads.registry.clicks.set(known.touches[0]!.value, T0 - 2 * DAY);
    const unknown = row();
    const replay = row();
    ads.rowErrors.set(replay.id, 'ORDER_ID_ALREADY_IN_USE');
    const garbled = row({ touches: [{ kind: 'gclid', value: 'bad gclid!', firstSeen: T0 - DAY }] });
    const r = adsRt();
    await enqueue(store, r, [known, unknown, replay, garbled], clock.ms);
    await drain(store, r, clock);
    ads.registry.strictClicks = false;
    ads.rowErrors.clear();
    expect(store.get(known.id)!.status).toBe('sent');
    expect(store.get(unknown.id)).toMatchObject({ status: 'unmatched', error: { code: 'CLICK_NOT_FOUND' } });
    expect(store.get(replay.id)).toMatchObject({ status: 'sent', note: 'ORDER_ID_ALREADY_IN_USE' });
    expect(store.get(garbled.id)).toMatchObject({ status: 'failed', error: { code: 'UNPARSEABLE_GCLID' } });
    expect(ads.requests.filter((q) => q.path.includes('upload'))).toHaveLength(1);
  });

  it('retries a too-recent click no sooner than 6 hours later, then it lands once', async () => {
    const x = row({ eventTime: Math.floor(T0 / 1000) });
    ads.registry.clicks.set(x.touches[0]!.value, T0 - 2 * 3600_000);
    const r = adsRt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    const uploads = ads.requests.filter((q) => q.path.includes('upload'));
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.at).toBeGreaterThan(0);
    expect(clock.ms - T0).toBeGreaterThanOrEqual(6 * 3600_000);
    expect(store.get(x.id)!.status).toBe('sent');
    expect(ads.conversions).toHaveLength(1);
  });

  it('waits for the next UTC day on the daily quota, refreshes an expired token once', async () => {
    ads.fault({ kind: 'daily_quota' });
    const x = row();
    const r = adsRt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(clock.ms).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 21));
    expect(store.get(x.id)!.status).toBe('sent');
    ads.oauth.expireAll();
    const y = row();
    await enqueue(store, r, [y], clock.ms);
    const grants = ads.oauth.grants;
    await drain(store, r, clock);
    expect(ads.oauth.grants).toBe(grants + 1);
    expect(store.get(y.id)!.status).toBe('sent');
  });

  it('test mode sets validateOnly and stores nothing at Google', async () => {
    const r = adsRt({ mode: 'test' });
    await enqueue(store, r, [row()], clock.ms);
    await drain(store, r, clock);
    expect((ads.requests.find((q) => q.path.includes('upload'))!.body as any).validateOnly).toBe(true);
    expect(ads.conversions).toHaveLength(0);
  });

  it('a bad refresh token fails with the OAuth error, not a retry loop', async () => {
    const r = adsRt({ settings: { ...adsSettings, refreshToken: 'revoked-refresh-token' } });
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)).toMatchObject({ status: 'failed', error: { code: 'oauth_invalid_grant' } });
  });
});

describe('Google Data Manager against the fake', () => {
  it('ingests with transactionId, RFC 3339 time, hex hashes and device info; pending until the status says SUCCESS', async () => {
    const x = row({ email: 'Jane.Doe+ads@gmail.com' });
    const r = dmRt();
    dm.setProcessing(true);
    try {
      await enqueue(store, r, [x, row()], clock.ms);
      await drain(store, r, clock, 3);
      expect(store.get(x.id)).toMatchObject({ status: 'pending_confirmation', requestId: expect.any(String) });
    } finally {
      dm.setProcessing(false);
    }
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(dm.events[0]).toEqual({
      destinationReferences: ['777'],
      transactionId: x.id,
      eventTimestamp: '2026-11-20T11:00:00Z',
      userData: { userIdentifiers: [{ emailAddress: sha('janedoe@gmail.com') }] },
      adIdentifiers: {
        gclid: x.touches[0]!.value,
        landingPageDeviceInfo: { userAgent: 'Mozilla/5.0 Test', ipAddress: '203.0.113.7' },
      },
    });
    const ingest = dm.requests.find((q) => q.path === '/v1/events:ingest')!;
    expect((ingest.body as any).destinations[0]).toMatchObject({
      reference: '777',
      operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
      productDestinationId: '777',
    });
  });

  it('stops asking after 3 days of PROCESSING: accepted, noted as unconfirmed', async () => {
    dm.setProcessing(true);
    try {
      const r = dmRt();
      const x = row();
      await enqueue(store, r, [x], clock.ms);
      await drain(store, r, clock, 3);
      expect(store.get(x.id)!.status).toBe('pending_confirmation');
      clock.advance(3 * DAY);
      await drain(store, r, clock, 3);
      expect(store.get(x.id)).toMatchObject({ status: 'sent', note: expect.stringContaining('no final status') });
    } finally {
      dm.setProcessing(false);
    }
  });

  it('a request that FAILED on unknown clicks ends unmatched', async () => {
    dm.registry.strictClicks = true;
    const r = dmRt();
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    dm.registry.strictClicks = false;
    expect(store.get(x.id)).toMatchObject({ status: 'unmatched', error: { message: 'CLICK_NOT_FOUND x1' } });
  });

  it('a refused event is failed alone; the others are resent without it', async () => {
    const good = row();
    const bad = row({ touches: [{ kind: 'gclid', value: 'bad gclid!', firstSeen: T0 - DAY }] });
    const r = dmRt();
    await enqueue(store, r, [good, bad], clock.ms);
    await drain(store, r, clock);
    expect(store.get(bad.id)).toMatchObject({ status: 'failed', error: { code: 'INVALID_ARGUMENT' } });
    expect(store.get(good.id)!.status).toBe('sent');
    expect(dm.events.map((e) => e.transactionId)).toEqual([good.id]);
  });

  it('test mode is validateOnly: validated, nothing ingested', async () => {
    const r = dmRt({ mode: 'test' });
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)).toMatchObject({ status: 'sent', note: 'validated (validateOnly)' });
    expect(dm.events).toHaveLength(0);
  });
});

describe("defects found by checking captured requests against Google's own definitions", () => {
  it('Data Manager: twelve conversion actions on one destination go in requests of at most 10 destinations, nobody refused', async () => {
    const rows = TWELVE_ACTIONS.flatMap((action) => [
      row({ conversion: { conversionAction: action } }),
      row({ conversion: { conversionAction: action } }),
    ]);
    const others = [row(), row()];
    const r = dmRt();
    await enqueue(store, r, [...rows, ...others], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 26 });
    const ingests = dm.requests.filter((q) => q.path === '/v1/events:ingest');
    expect(ingests.length).toBe(2);
    for (const q of ingests) {
      const body = q.body as { destinations: { reference: string }[]; events: { destinationReferences: string[] }[] };
      expect(body.destinations.length).toBeLessThanOrEqual(10);
      const refs = new Set(body.destinations.map((d) => d.reference));
      for (const e of body.events) for (const ref of e.destinationReferences) expect(refs.has(ref)).toBe(true);
    }
    expect(new Set(dm.events.map((e) => e.transactionId))).toEqual(new Set([...rows, ...others].map((x) => x.id)));
  });

  it('Data Manager: a conversion action written as a resource name goes as its ID (reference and productDestinationId)', async () => {
    const x = row({ conversion: { conversionAction: 'customers/1234567890/conversionActions/801' } });
    const r = dmRt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 1 });
    const body = dm.requests.find((q) => q.path === '/v1/events:ingest')!.body as any;
    expect(body.destinations).toEqual([expect.objectContaining({ reference: '801', productDestinationId: '801' })]);
    expect(body.events[0].destinationReferences).toEqual(['801']);
  });

  it('Google Ads: a conversion action written as a resource name is not prefixed twice', async () => {
    const x = row({ conversion: { conversionAction: 'customers/1234567890/conversionActions/555' } });
    const r = adsRt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 1 });
    expect(ads.conversions[0]!.conversionAction).toBe('customers/1234567890/conversionActions/555');
  });
});
