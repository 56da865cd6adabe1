import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/normalize';
import { openaiAdsSettingsSchema } from '../../shared/schemas/destinations';
import type { ConversionRow, HttpResponse } from '../delivery/types';
import { httpResponse, itemOf } from './builder-test-kit';
import { minorUnits, openaiAds } from './openai-ads';

const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const settings = openaiAdsSettingsSchema.parse({ pixelId: 'px_134534abc', apiKey: 'sk-svcacct-openai-key-0001' });
const row = (over: Partial<ConversionRow> = {}): ConversionRow => ({
  id: '0123456789abcdef0123456789abcdef',
  eventTime: Math.floor(NOW / 1000) - 3600,
  email: ' Jane.Doe+x@Example.com',
  touches: [{ kind: 'gclid', value: 'Cj0KCQ_gclid', firstSeen: NOW - DAY, landingUrl: 'https://shop.test/lp?gclid=x' }],
  devices: [
    { anonymousId: 'a1', ip: '198.51.100.1', userAgent: 'Old UA', lastSeen: NOW - 3 * DAY },
    { anonymousId: 'a2', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 New', lastSeen: NOW - DAY },
  ],
  attributes: { crm: { deal: { amount: '1,250.50' } } },
  conversion: {},
  ...over,
});
const item = itemOf(openaiAds, settings, NOW);
const res = httpResponse;
const ctx = { settings, mode: 'live' as const, now: NOW };

describe('ChatGPT Ads builder', () => {
  it('sends lead_created with the entry id, ms time, hashed email, IP / UA of the newest device and the customer_action shape', async () => {
    expect(await item(row())).toEqual({
      id: '0123456789abcdef0123456789abcdef',
      type: 'lead_created',
      timestamp_ms: (Math.floor(NOW / 1000) - 3600) * 1000,
      user: {
        email_sha256: await sha256Hex('jane.doe+x@example.com'),
        ip_address: '203.0.113.7',
        user_agent: 'Mozilla/5.0 New',
      },
      data: { type: 'customer_action' },
    });
  });

  it('maps event names to shapes or a custom event, amounts to minor units, and adds external id and country when mapped', async () => {
    expect(minorUnits(12.5, 'USD')).toBe(1250);
    expect(minorUnits(1250, 'JPY')).toBe(1250);
    expect(minorUnits(1.2345, 'KWD')).toBe(1235);
    const e = await item(
      row({
        identifiers: { external_id: 'crm-42', country: 'uk' },
        conversion: { eventName: 'trial_started', valueField: 'crm.deal.amount', currency: 'eur' },
      }),
    );
    expect(e).toMatchObject({
      type: 'trial_started',
      data: { type: 'plan_enrollment', amount: 125050, currency: 'EUR' },
      user: { external_id_sha256: await sha256Hex('crm-42'), country: 'GB' },
    });
    expect(await item(row({ conversion: { eventName: 'SQL reached' } }))).toMatchObject({
      type: 'custom',
      custom_event_name: 'SQL reached',
      data: { type: 'custom' },
    });
    expect((await item(row({ conversion: { value: 10 } }))).data).toEqual({ type: 'customer_action' });
  });

  it('website events are web events with the landing URL; other action sources map to OpenAI channels; old or denied rows are skipped', async () => {
    expect(await item(row({ conversion: { actionSource: 'website' } }))).toMatchObject({
      action_source: 'web',
      source_url: 'https://shop.test/lp?gclid=x',
    });
    expect(await item(row({ conversion: { actionSource: 'phone_call' } }))).toMatchObject({
      action_source: 'phone_call',
    });
    expect(await item(row({ conversion: { actionSource: 'system_generated' } }))).toMatchObject({
      action_source: 'other',
    });
    expect(
      await openaiAds.prepare(row({ touches: [], conversion: { actionSource: 'website' } }), settings, NOW),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(
      await openaiAds.prepare(row({ eventTime: Math.floor((NOW - 8 * DAY) / 1000) }), settings, NOW),
    ).toMatchObject({ ok: false, reason: 'too_old' });
    expect(await openaiAds.prepare(row({ consent: 'denied' }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'consent_denied',
    });
    expect(await openaiAds.prepare(row({ email: 'nope' }), settings, NOW)).toMatchObject({
      ok: false,
      reason: 'no_identifier',
    });
  });

  it('builds POST /v1/events?pid= with the key as Bearer; test mode is validate_only', async () => {
    const e = await item(row());
    expect(openaiAds.buildRequest([e], ctx)).toEqual({
      method: 'POST',
      url: 'https://bzr.openai.com/v1/events?pid=px_134534abc',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-svcacct-openai-key-0001' },
      body: { validate_only: false, events: [e] },
    });
    expect(openaiAds.buildRequest([e], { ...ctx, mode: 'test' }).body).toMatchObject({ validate_only: true });
  });

  it('classifies answers: 2xx sent, 400 splits a batch, 401 / 429 / 5xx', async () => {
    const two = [await item(row()), await item(row())];
    expect(openaiAds.parseResponse(res(200, {}), two, ctx)).toEqual([{ status: 'sent' }, { status: 'sent' }]);
    const fail = (r: HttpResponse, n = 2) => (openaiAds.parseResponse(r, two.slice(0, n), ctx)[0] as any).failure;
    expect(
      fail(res(400, { error: { message: 'events[1].timestamp_ms is too old', type: 'invalid_request_error' } })),
    ).toMatchObject({ class: 'batch_rejected' });
    expect(fail(res(400, { error: { message: 'bad', code: 'invalid_event' } }), 1)).toMatchObject({
      class: 'permanent',
      error: { code: 'invalid_event' },
    });
    expect(fail(res(401, { error: { message: 'Missing scopes: ads.third_party_events.write' } }))).toMatchObject({
      class: 'unauthorized',
      error: { code: 'HTTP_401' },
    });
    expect(fail(res(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '20' }))).toMatchObject({
      class: 'rate_limited',
      retryAfterMs: 20_000,
    });
    expect(fail(res(500, 'oops'))).toMatchObject({ class: 'transient' });
  });
});
