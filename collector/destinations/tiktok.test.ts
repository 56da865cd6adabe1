import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/normalize';
import { tiktokSettingsSchema } from '../../shared/schemas/destinations';
import type { ConversionRow, HttpResponse } from '../delivery/types';
import { httpResponse, itemOf } from './builder-test-kit';
import { tiktok } from './tiktok';

const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const settings = tiktokSettingsSchema.parse({
  pixelCode: 'CABC123DEF456GHI789J',
  accessToken: 'tiktok-events-token-0001',
  testEventCode: 'TEST12345',
});
const row = (over: Partial<ConversionRow> = {}): ConversionRow => ({
  id: '0123456789abcdef0123456789abcdef',
  eventTime: Math.floor(NOW / 1000) - 3600,
  email: 'Jane.Doe+x@Example.com',
  touches: [
    { kind: 'ttclid', value: 'E.C.P.too-old-click', firstSeen: NOW - 29 * DAY, anonymousId: 'a-old' },
    {
      kind: 'ttclid',
      value: 'E.C.P.CpABxyz-newest',
      firstSeen: NOW - 3 * DAY,
      anonymousId: 'a-new',
      landingUrl: 'https://shop.test/lp?ttclid=E.C.P.CpABxyz-newest',
    },
    { kind: 'ttp', value: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK', firstSeen: NOW - 40 * DAY },
    { kind: 'rdt_cid', value: '123', firstSeen: NOW - DAY },
  ],
  devices: [
    { anonymousId: 'a-old', ip: '198.51.100.1', userAgent: 'Old UA', lastSeen: NOW - DAY },
    { anonymousId: 'a-new', ip: '2001:db8::7', userAgent: 'Mozilla/5.0 New', lastSeen: NOW - 3 * DAY },
  ],
  attributes: { crm: { deal: { amount: 900 } } },
  conversion: {},
  ...over,
});
const item = itemOf(tiktok, settings, NOW);
const res = httpResponse;
const ctx = { settings, mode: 'live' as const, now: NOW };

describe('TikTok builder', () => {
  it('sends seconds, event_id, the newest ttclid inside 28 days with its page and device, _ttp and hashed email / phone', async () => {
    const e = await item(row({ identifiers: { phone: '+1 (650) 555-1212' } }));
    expect(e).toEqual({
      event: 'SubmitForm',
      event_time: Math.floor(NOW / 1000) - 3600,
      event_id: '0123456789abcdef0123456789abcdef',
      user: {
        email: await sha256Hex('jane.doe+x@example.com'),
        phone: await sha256Hex('+16505551212'),
        ttclid: 'E.C.P.CpABxyz-newest',
        ttp: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK',
        ip: '2001:db8::7',
        user_agent: 'Mozilla/5.0 New',
      },
      page: { url: 'https://shop.test/lp?ttclid=E.C.P.CpABxyz-newest' },
    });
  });

  it('a ttclid outside the 28-day click window or after the event is not sent; the _ttp still is', async () => {
    const e = await item(
      row({
        touches: [row().touches[0]!, { kind: 'ttclid', value: 'E.C.P.after-event', firstSeen: NOW }, row().touches[2]!],
      }),
    );
    expect(e.user).not.toHaveProperty('ttclid');
    expect(e.user).toMatchObject({ ttp: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK' });
    expect(e).not.toHaveProperty('page');
  });

  it('takes the event name and value + currency from the conversion; skips old, denied, unmatchable rows', async () => {
    expect(
      await item(
        row({ conversion: { eventName: 'CompleteRegistration', valueField: 'crm.deal.amount', currency: 'usd' } }),
      ),
    ).toMatchObject({ event: 'CompleteRegistration', properties: { value: 900, currency: 'USD' } });
    expect(await item(row({ conversion: { value: 5 } }))).not.toHaveProperty('properties');
    expect(await tiktok.prepare(row({ eventTime: Math.floor((NOW - 29 * DAY) / 1000) }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'too_old',
    });
    expect(await tiktok.prepare(row({ consent: 'denied' }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'consent_denied',
    });
    expect(await tiktok.prepare(row({ email: 'not an email', touches: [] }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'no_identifier',
    });
  });

  it('builds the Events API 2.0 request: Access-Token header, web source with the pixel code, test code in test mode only', async () => {
    const e = await item(row());
    const live = tiktok.buildRequest([e], ctx);
    expect(live).toMatchObject({
      method: 'POST',
      url: 'https://business-api.tiktok.com/open_api/v1.3/event/track/',
      headers: { 'access-token': 'tiktok-events-token-0001' },
      body: { event_source: 'web', event_source_id: 'CABC123DEF456GHI789J', data: [e] },
    });
    expect(live.body).not.toHaveProperty('test_event_code');
    expect((tiktok.buildRequest([e], { ...ctx, mode: 'test' }).body as any).test_event_code).toBe('TEST12345');
    expect(tiktok.modeIssue!({ ...settings, testEventCode: undefined }, 'test')).toMatch(/testEventCode/);
  });

  it('reads the code inside an HTTP 200: 0 sent; throttled, bad token, server error, a refused payload', async () => {
    const two = [await item(row()), await item(row())];
    expect(tiktok.parseResponse(res(200, { code: 0, message: 'OK', request_id: 'r1', data: {} }), two, ctx)).toEqual([
      { status: 'sent' },
      { status: 'sent' },
    ]);
    const fail = (r: HttpResponse, n = 2) => (tiktok.parseResponse(r, two.slice(0, n), ctx)[0] as any).failure;
    expect(
      fail(res(200, { code: 40100, message: 'Requests made too frequently' }, { 'retry-after': '10' })),
    ).toMatchObject({ class: 'rate_limited', retryAfterMs: 10_000, error: { code: '40100' } });
    expect(fail(res(200, { code: 40105, message: 'Access token is incorrect or has been revoked' }))).toMatchObject({
      class: 'unauthorized',
    });
    expect(fail(res(200, { code: 50000, message: 'System error' }))).toMatchObject({ class: 'transient' });
    expect(fail(res(200, { code: 40002, message: 'event_time: invalid' }))).toMatchObject({ class: 'batch_rejected' });
    expect(fail(res(200, { code: 40002, message: 'event_time: invalid' }), 1)).toMatchObject({
      class: 'permanent',
      error: { code: '40002' },
    });
    expect(fail(res(429, ''))).toMatchObject({ class: 'rate_limited' });
    expect(fail(res(502, 'Bad gateway'))).toMatchObject({ class: 'transient', error: { code: 'HTTP_502' } });
  });
});
