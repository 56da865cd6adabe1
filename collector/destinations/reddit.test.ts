import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/normalize';
import { redditSettingsSchema } from '../../shared/schemas/destinations';
import type { ConversionRow, HttpResponse } from '../delivery/types';
import { httpResponse, itemOf } from './builder-test-kit';
import { reddit, redditType } from './reddit';

const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const settings = redditSettingsSchema.parse({
  pixelId: 'a2_abc123def',
  accessToken: 'reddit-conversion-token-0001',
  testId: 't2_testid',
});
const row = (over: Partial<ConversionRow> = {}): ConversionRow => ({
  id: '0123456789abcdef0123456789abcdef',
  eventTime: Math.floor(NOW / 1000) - 3600,
  email: 'Al.ice+Ads@Example.com',
  touches: [
    {
      kind: 'rdt_cid',
      value: 'old_click',
      firstSeen: NOW - 10 * DAY,
      anonymousId: 'a-old',
      landingUrl: 'https://shop.test/old',
    },
    {
      kind: 'rdt_cid',
      value: '3184742045291813272',
      firstSeen: NOW - 2 * DAY,
      anonymousId: 'a-new',
      landingUrl: 'https://shop.test/lp?rdt_cid=3184742045291813272',
    },
    { kind: 'rdt_uuid', value: '1763000000000.b8f7eb7d-b357-437b-8bd3-e1c8166c7132', firstSeen: NOW - 20 * DAY },
    { kind: 'ttclid', value: 'E.C.P.tiktok', firstSeen: NOW - DAY },
  ],
  devices: [
    { anonymousId: 'a-old', ip: '198.51.100.1', userAgent: 'Old UA', lastSeen: NOW - DAY },
    { anonymousId: 'a-new', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 New', lastSeen: NOW - 3 * DAY },
  ],
  attributes: { crm: { deal: { amount: '1,250.50' } } },
  conversion: {},
  ...over,
});
const item = itemOf(reddit, settings, NOW);
const res = httpResponse;
const ctx = { settings, mode: 'live' as const, now: NOW };

describe('Reddit builder', () => {
  it('sends ms time, WEBSITE, LEAD, the newest rdt_cid with its landing URL and device, the uuid and Reddit-hashed email', async () => {
    const e = await item(row());
    expect(e).toEqual({
      event_at: (Math.floor(NOW / 1000) - 3600) * 1000,
      action_source: 'WEBSITE',
      type: { tracking_type: 'LEAD' },
      click_id: '3184742045291813272',
      event_source_url: 'https://shop.test/lp?rdt_cid=3184742045291813272',
      metadata: { conversion_id: '0123456789abcdef0123456789abcdef' },
      user: {
        email: await sha256Hex('alice@example.com'),
        uuid: '1763000000000.b8f7eb7d-b357-437b-8bd3-e1c8166c7132',
        ip_address: '203.0.113.7',
        user_agent: 'Mozilla/5.0 New',
      },
    });
  });

  it('an rdt_cid older than 90 days is not sent; IP / UA then come from the most recent device', async () => {
    const e = await item(
      row({ touches: [{ kind: 'rdt_cid', value: 'ancient', firstSeen: NOW - 91 * DAY, anonymousId: 'a-new' }] }),
    );
    expect(e).not.toHaveProperty('click_id');
    expect(e).not.toHaveProperty('event_source_url');
    expect(e.user).toMatchObject({ ip_address: '198.51.100.1', user_agent: 'Old UA' });
  });

  it('maps event names to tracking types or a custom event, and value + currency only together and where Reddit takes them', async () => {
    expect(redditType('sign up')).toEqual({ tracking_type: 'SIGN_UP' });
    expect(redditType('Purchase')).toEqual({ tracking_type: 'PURCHASE' });
    expect(redditType('MQL reached')).toEqual({ tracking_type: 'CUSTOM', custom_event_name: 'MQL reached' });
    expect(redditType('x'.repeat(65))).toBeNull();
    expect((await item(row({ conversion: { valueField: 'crm.deal.amount', currency: 'eur' } }))).metadata).toEqual({
      conversion_id: row().id,
      value: 1250.5,
      currency: 'EUR',
    });
    expect((await item(row({ conversion: { value: 10 } }))).metadata).toEqual({ conversion_id: row().id });
    expect((await item(row({ conversion: { eventName: 'PAGE_VISIT', value: 10, currency: 'USD' } }))).metadata).toEqual(
      { conversion_id: row().id },
    );
  });

  it('PHYSICAL_STORE events carry hashed ids only; phone and external id are hashed when mapped', async () => {
    const e = await item(
      row({
        conversion: { actionSource: 'physical_store' },
        identifiers: { phone: '+1 555 444 1234', external_id: 'customer12345' },
      }),
    );
    expect(e.click_id).toBeUndefined();
    expect(e.user).toEqual({
      email: await sha256Hex('alice@example.com'),
      phone_number: 'e5b124c58580eb16bd959b8d0cac12b12c952e2ceae0203d416cff94f10b994a',
      external_id: await sha256Hex('customer12345'),
    });
  });

  it('maps action sources to Reddit channels: website, app, physical_store as such, the rest OTHER', async () => {
    expect((await item(row({ conversion: { actionSource: 'app' } }))).action_source).toBe('APP');
    expect((await item(row({ conversion: { actionSource: 'system_generated' } }))).action_source).toBe('OTHER');
    const other = await item(row({ conversion: { actionSource: 'other' } }));
    expect(other).toMatchObject({ action_source: 'OTHER', click_id: '3184742045291813272' });
    expect(other).not.toHaveProperty('event_source_url');
  });

  it('skips: older than 7 days, consent denied, a custom event name too long', async () => {
    expect(await reddit.prepare(row({ eventTime: Math.floor((NOW - 8 * DAY) / 1000) }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'too_old',
    });
    expect(await reddit.prepare(row({ consent: 'denied' }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'consent_denied',
    });
    expect(await reddit.prepare(row({ conversion: { eventName: 'x'.repeat(65) } }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });

  it('builds the v3 request: pixel path, bearer token, data wrapper, test_id in test mode only', async () => {
    const e = await item(row());
    const live = reddit.buildRequest([e], ctx);
    expect(live).toMatchObject({
      method: 'POST',
      url: 'https://ads-api.reddit.com/api/v3/pixels/a2_abc123def/conversion_events',
      headers: { authorization: 'Bearer reddit-conversion-token-0001' },
      body: { data: { events: [e] } },
    });
    expect((live.body as any).data).not.toHaveProperty('test_id');
    expect((reddit.buildRequest([e], { ...ctx, mode: 'test' }).body as any).data.test_id).toBe('t2_testid');
    expect(reddit.modeIssue!({ ...settings, testId: undefined }, 'test')).toMatch(/testId/);
  });

  it('classifies answers: 200 sent, 400 splits a batch (one bad event refuses all), 401 / 403 / 429 / 5xx', async () => {
    const two = [await item(row()), await item(row())];
    expect(
      reddit.parseResponse(res(200, { data: { message: 'Successfully processed 2 conversion events.' } }), two, ctx),
    ).toEqual([{ status: 'sent' }, { status: 'sent' }]);
    const fail = (r: HttpResponse, n = 2) => (reddit.parseResponse(r, two.slice(0, n), ctx)[0] as any).failure;
    expect(
      fail(res(400, { error: { code: 400, message: 'There were 1 invalid conversion events. None were processed.' } })),
    ).toMatchObject({ class: 'batch_rejected', error: { message: expect.stringContaining('None were processed') } });
    expect(fail(res(400, { error: { code: 400, message: 'bad' } }), 1)).toMatchObject({ class: 'permanent' });
    expect(fail(res(401, { error: { code: 401, message: 'UNAUTHORIZED' } }))).toMatchObject({ class: 'unauthorized' });
    expect(fail(res(403, { error: { code: 403, message: 'Missing adsconversions scope' } }))).toMatchObject({
      class: 'permanent',
    });
    expect(
      fail(res(429, { error: { code: 429, message: 'Too many requests' } }, { 'retry-after': '30' })),
    ).toMatchObject({ class: 'rate_limited', retryAfterMs: 30_000 });
    expect(fail(res(503, 'The service is currently unavailable.'))).toMatchObject({ class: 'transient' });
  });
});
