import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleAdsFake, type GoogleAdsFake } from './google-ads';
import { call, HEX } from './http';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: GoogleAdsFake;
let token: string;
beforeAll(async () => {
  fake = await startGoogleAdsFake({
    customerId: '1234567890',
    conversionActionIds: ['555'],
    loginCustomerId: '9876543210',
    clientId: 'cid',
    clientSecret: 'secret-123456',
    refreshToken: 'rt-google-1',
    now: () => NOW,
  });
  const r = await call(`${fake.url}/token`, {
    form: {
      grant_type: 'refresh_token',
      client_id: 'cid',
      client_secret: 'secret-123456',
      refresh_token: 'rt-google-1',
    },
  });
  token = r.body.access_token;
});
afterAll(() => fake.stop());

const conv = (over: Record<string, unknown> = {}) => ({
  conversionAction: 'customers/1234567890/conversionActions/555',
  conversionDateTime: '2026-11-20 10:00:00+00:00',
  orderId: `o-${Math.random().toString(36).slice(2)}`,
  gclid: `Cj0KCQiA_${Math.random().toString(36).slice(2)}`,
  userIdentifiers: [{ userIdentifierSource: 'FIRST_PARTY', hashedEmail: HEX('c') }],
  ...over,
});
const upload = (
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  path = '/v25/customers/1234567890:uploadClickConversions',
) =>
  call(fake.url + path, {
    body: { partialFailure: true, ...body },
    headers: { authorization: `Bearer ${token}`, 'login-customer-id': '9876543210', ...headers },
  });
const rowError = (r: { body: any }) => r.body.partialFailureError?.details[0].errors[0];

describe('Google Ads uploadClickConversions fake', () => {
  it('issues tokens for the adwords scope and accepts a valid upload', async () => {
    const r = await upload({ conversions: [conv(), conv({ gclid: undefined, wbraid: 'wbraid_value_1' })] });
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(2);
    expect(r.body.results[1]).toMatchObject({ wbraid: 'wbraid_value_1' });
    expect(r.body.partialFailureError).toBeUndefined();
    expect(fake.conversions.length).toBe(2);
  });

  it('refuses a bad refresh token or client secret at the token endpoint', async () => {
    expect(
      (
        await call(`${fake.url}/token`, {
          form: {
            grant_type: 'refresh_token',
            client_id: 'cid',
            client_secret: 'secret-123456',
            refresh_token: 'nope',
          },
        })
      ).body.error,
    ).toBe('invalid_grant');
    expect(
      (
        await call(`${fake.url}/token`, {
          form: { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'bad', refresh_token: 'rt-google-1' },
        })
      ).status,
    ).toBe(401);
  });

  const requestLevel: [string, () => ReturnType<typeof upload>, number, string][] = [
    ['no bearer token', () => upload({ conversions: [conv()] }, { authorization: '' }), 401, 'UNAUTHENTICATED'],
    [
      'a sunset version',
      () => upload({ conversions: [conv()] }, {}, '/v20/customers/1234567890:uploadClickConversions'),
      404,
      'NOT_FOUND',
    ],
    [
      'a missing login-customer-id',
      () => upload({ conversions: [conv()] }, { 'login-customer-id': '' }),
      400,
      'INVALID_ARGUMENT',
    ],
    [
      'another customer',
      () => upload({ conversions: [conv()] }, {}, '/v25/customers/1111111111:uploadClickConversions'),
      403,
      'PERMISSION_DENIED',
    ],
    ['partialFailure false', () => upload({ conversions: [conv()], partialFailure: false }), 400, 'INVALID_ARGUMENT'],
    [
      '2,001 conversions',
      () => upload({ conversions: Array.from({ length: 2001 }, () => conv()) }),
      400,
      'INVALID_ARGUMENT',
    ],
    ['an unknown body field', () => upload({ conversions: [conv()], debugEnabled: true }), 400, 'INVALID_ARGUMENT'],
  ];
  for (const [what, run, status, name] of requestLevel)
    it(`refuses ${what}`, async () => {
      const r = await run();
      expect(r.status).toBe(status);
      expect(r.body.error.status).toBe(name);
    });

  const rowLevel: [string, Record<string, unknown>, string][] = [
    ['two click ids', { wbraid: 'wbraid_value_1' }, 'VALUE_MUST_BE_UNSET'],
    [
      'gbraid and wbraid',
      { gclid: undefined, gbraid: 'gbraid_value', wbraid: 'wbraid_value' },
      'GBRAID_WBRAID_BOTH_SET',
    ],
    ['a garbled gclid', { gclid: 'not a gclid!' }, 'UNPARSEABLE_GCLID'],
    ['a date without offset', { conversionDateTime: '2026-11-20 10:00:00' }, 'INVALID_FIELD_FORMAT'],
    ['an ISO date', { conversionDateTime: '2026-11-20T10:00:00Z' }, 'INVALID_FIELD_FORMAT'],
    ['an unhashed email', { userIdentifiers: [{ hashedEmail: 'a@b.co' }] }, 'INVALID_USER_IDENTIFIER'],
    [
      'six identifiers',
      { userIdentifiers: Array.from({ length: 6 }, () => ({ hashedEmail: HEX('d') })) },
      'INVALID_USER_IDENTIFIER',
    ],
    ['an unsupported identifier', { userIdentifiers: [{ mobileId: 'x' }] }, 'UNSUPPORTED_USER_IDENTIFIER'],
    [
      'an unknown action',
      { conversionAction: 'customers/1234567890/conversionActions/999' },
      'NO_CONVERSION_ACTION_FOUND',
    ],
    [
      'adPersonalization consent',
      { consent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' } },
      'INVALID_VALUE',
    ],
    ['an email in orderId', { orderId: 'a@b.co' }, 'ORDER_ID_CONTAINS_PII'],
    ['neither click nor identifier', { gclid: undefined, userIdentifiers: undefined }, 'INVALID_USER_IDENTIFIER'],
  ];
  for (const [what, over, code] of rowLevel)
    it(`maps ${what} to a per-row error at its index`, async () => {
      const before = fake.conversions.length;
      const r = await upload({ conversions: [conv(), conv(over)] });
      expect(r.status).toBe(200);
      expect(r.body.results[1]).toEqual({});
      const err = rowError(r);
      expect(Object.values(err.errorCode)[0]).toBe(code);
      expect(err.location.fieldPathElements[0]).toEqual({ fieldName: 'conversions', index: 1 });
      expect(fake.conversions.length).toBe(before + 1);
    });

  it('checks clicks it knows: too recent, expired, before the click, not found', async () => {
    fake.registry.clicks.set('recent_click_1', NOW - 2 * 3600_000);
    fake.registry.clicks.set('old_click_1', Date.UTC(2026, 6, 1));
    fake.registry.clicks.set('late_click_1', Date.UTC(2026, 10, 20, 11));
    const r = await upload({
      conversions: [
        conv({ gclid: 'recent_click_1', conversionDateTime: '2026-11-20 11:00:00+00:00' }),
        conv({ gclid: 'old_click_1' }),
        conv({ gclid: 'late_click_1' }),
      ],
    });
    const codes = r.body.partialFailureError.details[0].errors.map((e: any) => e.errorCode.conversionUploadError);
    expect(codes).toEqual(['TOO_RECENT_EVENT', 'EXPIRED_EVENT', 'CONVERSION_PRECEDES_EVENT']);
    fake.registry.strictClicks = true;
    const r2 = await upload({ conversions: [conv({ gclid: 'never_seen_click' })] });
    expect(rowError(r2).errorCode.conversionUploadError).toBe('CLICK_NOT_FOUND');
    fake.registry.strictClicks = false;
  });

  it('knows order ids and click+time already stored, and duplicates inside a request', async () => {
    const c = conv({ orderId: 'dup-1' });
    await upload({ conversions: [c] });
    const again = await upload({ conversions: [c] });
    expect(rowError(again).errorCode.conversionUploadError).toBe('ORDER_ID_ALREADY_IN_USE');
    const twice = await upload({ conversions: [conv({ orderId: 'dup-2' }), conv({ orderId: 'dup-2' })] });
    expect(rowError(twice).errorCode.conversionUploadError).toBe('DUPLICATE_ORDER_ID');
  });

  it('validateOnly stores nothing and returns no results', async () => {
    const before = fake.conversions.length;
    const r = await upload({ conversions: [conv()], validateOnly: true });
    expect(r.status).toBe(200);
    expect(r.body.results).toBeUndefined();
    expect(fake.conversions.length).toBe(before);
  });

  it('injects rate limits, daily quota, 5xx and expired tokens', async () => {
    fake.fault({ status: 429, retryAfter: '30' });
    let r = await upload({ conversions: [conv()] });
    expect(r.status).toBe(429);
    expect(r.body.error.details[0].errors[0].errorCode.quotaError).toBe('RESOURCE_TEMPORARILY_EXHAUSTED');
    fake.fault({ kind: 'daily_quota' });
    r = await upload({ conversions: [conv()] });
    expect(r.body.error.details[0].errors[0].errorCode.quotaError).toBe('RESOURCE_EXHAUSTED');
    fake.fault({ status: 503 });
    expect((await upload({ conversions: [conv()] })).status).toBe(503);
    fake.oauth.expireAll();
    expect((await upload({ conversions: [conv()] })).status).toBe(401);
  });
});
