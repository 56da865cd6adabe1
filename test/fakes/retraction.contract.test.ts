// Retractions through the outbox: a Google Ads conversion withdrawn with uploadConversionAdjustments
// RETRACTION (checked against Google's v25 definitions and the fake), exactly once, only after the
// conversion was sent; platforms with no retraction record the reversal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, MemoryOutboxStore, type DestinationRuntime } from '../../collector/delivery/outbox';
import type { ConversionRow, HttpRequest } from '../../collector/delivery/types';
import { RETRACTION_SUFFIX } from '../../collector/destinations/definition';
import { destinations } from '../../collector/destinations/registry';
import {
  googleAdsSettingsSchema,
  metaSettingsSchema,
  microsoftAdsSettingsSchema,
  type GoogleAdsSettings,
  type MicrosoftAdsSettings,
} from '../../shared/schemas/destinations';
import { startGoogleAdsFake, type GoogleAdsFake } from './google-ads';
import { startMicrosoftFake, type MicrosoftFake } from './microsoft';
import { ADJUSTMENT_BODY_KEYS, ADJUSTMENT_KEYS, ADJUSTMENT_TYPES, MAX_ADJUSTMENTS } from './google-ads-adjustments';
import {
  ADS_PROTOS,
  checkMessage,
  enumValues,
  fieldNames,
  httpRule,
  loadRoot,
  matchTemplate,
  protoText,
} from './proto-json';
import { Clock, DAY, drain, row, statuses, T0 } from './support';

const clock = new Clock();
const oauth = { clientId: 'g-client', clientSecret: 'g-secret-123456', refreshToken: 'g-refresh-123456' };
const settings: GoogleAdsSettings = googleAdsSettingsSchema.parse({
  customerId: '1234567890',
  conversionActionId: '555',
  ...oauth,
});
let ads: GoogleAdsFake;
let store: MemoryOutboxStore;
const rt = (over: Partial<DestinationRuntime<GoogleAdsSettings>> = {}): DestinationRuntime<GoogleAdsSettings> => ({
  def: destinations.google_ads,
  settings,
  mode: 'live',
  endpoint: ads.url,
  tokenEndpoint: ads.url,
  timeoutMs: 3000,
  random: () => 0,
  ...over,
});
const retraction = (of: ConversionRow, atMs: number): ConversionRow => ({
  ...of,
  key: `${of.key ?? of.id}${RETRACTION_SUFFIX}`,
  kind: 'retraction',
  retractAt: Math.floor(atMs / 1000),
});
const adjustmentRequests = () => ads.requests.filter((q) => q.path.endsWith(':uploadConversionAdjustments'));

beforeAll(async () => {
  ads = await startGoogleAdsFake({ customerId: '1234567890', conversionActionIds: ['555'], ...oauth, now: clock.now });
});
afterAll(() => ads.stop());
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  ads.requests.length = 0;
  ads.adjustments.length = 0;
});

describe('Google Ads retractions', () => {
  it('withdraws a sent conversion by its orderId, exactly once, even when handed over again', async () => {
    const x = row();
    await enqueue(store, rt(), [x], clock.ms);
    await drain(store, rt(), clock);
    expect(store.get(x.id)!.status).toBe('sent');
    clock.advance(2 * DAY);
    const r = retraction(x, clock.ms);
    expect(await enqueue(store, rt(), [r], clock.ms)).toMatchObject({ queued: 1 });
    await drain(store, rt(), clock);
    expect(await enqueue(store, rt(), [r], clock.ms)).toMatchObject({ existing: 1 });
    await drain(store, rt(), clock);
    expect(store.get(r.key!)).toMatchObject({ status: 'sent', kind: 'retraction', entryId: x.id });
    expect(ads.adjustments).toEqual([
      {
        orderId: x.id,
        conversionAction: 'customers/1234567890/conversionActions/555',
        adjustmentDateTime: expect.stringMatching(/^2026-11-22 12:00:00\+00:00$/),
        adjustmentType: 'RETRACTION',
      },
    ]);
    expect(adjustmentRequests().length).toBe(1);
    // The delivery log keeps the request it travelled in.
    const log = store.requests.find((q) => q.rowIds.includes(r.key!))!;
    expect(log.request.url).toMatch(/\/v25\/customers\/1234567890:uploadConversionAdjustments$/);
  });

  it('waits while the conversion is not sent yet, then for Google’s 24 hours, and lands once', async () => {
    const x = row();
    const r = retraction(x, T0 + 60_000);
    await enqueue(store, rt(), [x, r], clock.ms);
    await drain(store, rt(), clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(ads.adjustments.length).toBe(1);
    // The first try came before Google's 24 hours (TOO_RECENT_CONVERSION, retried); the one that landed after.
    expect(adjustmentRequests().length).toBeGreaterThan(1);
    expect(store.get(r.key!)!.attempts).toBeGreaterThan(1);
    expect(store.get(r.key!)!.sentAt!).toBeGreaterThanOrEqual(x.eventTime * 1000 + DAY);
  });

  it('sends nothing for a conversion that was never sent', async () => {
    const unsent = row({ touches: [], email: '' });
    await enqueue(store, rt(), [unsent], clock.ms);
    const orphan = row();
    const rs = [retraction(unsent, clock.ms), retraction(orphan, clock.ms)];
    await enqueue(store, rt(), rs, clock.ms);
    await drain(store, rt(), clock);
    for (const r of rs) expect(store.get(r.key!)).toMatchObject({ status: 'skipped', skipReason: 'not_sent' });
    expect(adjustmentRequests()).toEqual([]);
  });

  it('a conversion Google never stored ends unmatched, not failed', async () => {
    const x = row();
    await enqueue(store, rt(), [x], clock.ms);
    await drain(store, rt(), clock);
    ads.adjustments.length = 0;
    // A row our outbox holds as sent under an order id Google never stored (the fake forgets nothing,
    // so a copy of the sent row under another id stands for a conversion Google dropped).
    const stray = {
      ...retraction(x, clock.ms + 2 * DAY),
      id: 'f'.repeat(32),
      key: `${'f'.repeat(32)}${RETRACTION_SUFFIX}`,
    };
    clock.advance(2 * DAY);
    store.put({ ...store.get(x.id)!, id: 'f'.repeat(32), entryId: 'f'.repeat(32) });
    await enqueue(store, rt(), [stray], clock.ms);
    await drain(store, rt(), clock);
    expect(store.get(stray.key!)).toMatchObject({ status: 'unmatched', error: { code: 'CONVERSION_NOT_FOUND' } });
  });
});

describe('Microsoft Advertising retractions', () => {
  let ms: MicrosoftFake;
  let saved = 'ms-refresh-000001';
  beforeAll(async () => {
    ms = await startMicrosoftFake({
      customerId: '1111',
      accountId: '2222',
      developerToken: 'ms-dev-token-0001',
      goalNames: ['MQL'],
      clientId: 'ms-client',
      clientSecret: 'ms-secret-123456',
      refreshToken: saved,
      now: clock.now,
    });
  });
  afterAll(() => ms.stop());
  const msRt = (): DestinationRuntime<MicrosoftAdsSettings> => ({
    def: destinations.microsoft_ads,
    settings: microsoftAdsSettingsSchema.parse({
      customerId: '1111',
      accountId: '2222',
      conversionGoalName: 'MQL',
      developerToken: 'ms-dev-token-0001',
      clientId: 'ms-client',
      clientSecret: 'ms-secret-123456',
      refreshToken: saved,
    }),
    mode: 'live',
    endpoint: ms.url,
    tokenEndpoint: ms.url,
    timeoutMs: 3000,
    random: () => 0,
    onRotatedRefreshToken: (t) => void (saved = t),
  });

  it('retracts the offline conversion by goal, time and click, exactly once', async () => {
    const x = row();
    const r1 = msRt();
    await enqueue(store, r1, [x], clock.ms);
    await drain(store, r1, clock);
    expect(store.get(x.id)!.status).toBe('sent');
    clock.advance(DAY);
    const r = retraction(x, clock.ms);
    const r2 = msRt();
    await enqueue(store, r2, [r], clock.ms);
    await drain(store, r2, clock);
    expect(await enqueue(store, r2, [r], clock.ms)).toMatchObject({ existing: 1 });
    await drain(store, r2, clock);
    expect(store.get(r.key!)).toMatchObject({ status: 'sent', kind: 'retraction' });
    expect(ms.adjustments).toEqual([
      {
        AdjustmentType: 'Retract',
        AdjustmentTime: '2026-11-21T12:00:00Z',
        ConversionName: 'MQL',
        ConversionTime: '2026-11-20T11:00:00Z',
        MicrosoftClickId: x.touches[4]!.value,
      },
    ]);
  });
});

describe('platforms with no retraction', () => {
  it('record the reversal in the log and send nothing', async () => {
    const metaRt: DestinationRuntime<unknown> = {
      def: destinations.meta,
      settings: metaSettingsSchema.parse({ pixelId: '1', accessToken: 'EAA12345678' }),
      mode: 'live',
      endpoint: 'http://127.0.0.1:9',
      fetchImpl: () => Promise.reject(new Error('nothing may be sent')),
    };
    for (const type of ['meta', 'linkedin', 'google_data_manager'] as const)
      expect(destinations[type].retraction, type).toBeUndefined();
    const x = row();
    const r = retraction(x, clock.ms);
    await enqueue(store, metaRt, [r], clock.ms);
    await drain(store, metaRt, clock);
    expect(store.get(r.key!)).toMatchObject({
      kind: 'retraction',
      status: 'skipped',
      skipReason: 'no_retraction',
      note: expect.stringContaining('recorded'),
    });
    expect(store.requests).toEqual([]);
  });
});

describe("the retraction request, against Google's definitions (google-ads-node 25.1.0)", () => {
  const root = loadRoot(ADS_PROTOS);
  const V = 'google.ads.googleads.v25';
  it('is an UploadConversionAdjustmentsRequest to the method’s google.api.http path', async () => {
    const spec = destinations.google_ads.retraction!;
    const items = [];
    for (const x of [row(), row({ conversion: { conversionAction: 'customers/1234567890/conversionActions/777' } })]) {
      const p = await spec.prepare(retraction(x, T0), { ...settings, loginCustomerId: '9876543210' }, T0);
      expect(p.ok).toBe(true);
      items.push((p as { item: unknown }).item);
    }
    for (const mode of ['live', 'test'] as const) {
      const req: HttpRequest = spec.buildRequest(items, {
        settings: { ...settings, loginCustomerId: '9876543210' },
        mode,
        now: T0,
        accessToken: 't',
      });
      const rule = httpRule(
        root.lookupService(`${V}.services.ConversionAdjustmentUploadService`),
        'UploadConversionAdjustments',
      );
      expect(req.method).toBe(rule.verb);
      expect(matchTemplate(rule.template, new URL(req.url).pathname)).toEqual({ customerId: '1234567890' });
      expect(
        checkMessage(root.lookupType(`${V}.services.UploadConversionAdjustmentsRequest`), req.body, '', ['customerId']),
      ).toEqual([]);
    }
    // A retraction carries no restatement value (the proto: "Should not be supplied for retractions").
    expect(
      protoText(ADS_PROTOS, 'google/ads/googleads/v25/services/conversion_adjustment_upload_service.proto'),
    ).toMatch(/Should not be supplied for retractions/);
    expect(items.every((i) => !('restatementValue' in (i as object)))).toBe(true);
  });

  it('the fake names only fields, enum values and limits Google defines', () => {
    const sub = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
    expect(sub(ADJUSTMENT_KEYS, fieldNames(root.lookupType(`${V}.services.ConversionAdjustment`)))).toEqual([]);
    expect(
      sub(ADJUSTMENT_BODY_KEYS, fieldNames(root.lookupType(`${V}.services.UploadConversionAdjustmentsRequest`))),
    ).toEqual([]);
    expect(
      sub(
        ADJUSTMENT_TYPES,
        enumValues(root.lookupEnum(`${V}.enums.ConversionAdjustmentTypeEnum.ConversionAdjustmentType`)),
      ),
    ).toEqual([]);
    const limit =
      +/fewer than (\d+) adjustments in a single API request/.exec(
        protoText(ADS_PROTOS, 'google/ads/googleads/v25/errors/conversion_adjustment_upload_error.proto'),
      )![1]! - 1;
    expect(MAX_ADJUSTMENTS).toBe(limit);
  });
});
