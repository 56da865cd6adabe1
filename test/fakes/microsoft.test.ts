import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startMicrosoftFake, type MicrosoftFake } from './microsoft';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: MicrosoftFake;
let token: string;
beforeAll(async () => {
  fake = await startMicrosoftFake({
    customerId: '111',
    accountId: '222',
    developerToken: 'dev-token-1234',
    goalNames: ['MQL'],
    clientId: 'ms-cid',
    clientSecret: 'ms-secret-1',
    refreshToken: 'ms-rt-1',
    now: () => NOW,
  });
  const r = await call(`${fake.url}/common/oauth2/v2.0/token`, {
    form: {
      grant_type: 'refresh_token',
      client_id: 'ms-cid',
      client_secret: 'ms-secret-1',
      refresh_token: 'ms-rt-1',
      scope: 'https://ads.microsoft.com/msads.manage offline_access',
    },
  });
  token = r.body.access_token;
  expect(r.body.refresh_token).toMatch(/^rt_/);
});
afterAll(() => fake.stop());

const conv = (over: Record<string, unknown> = {}) => ({
  MicrosoftClickId: 'c'.repeat(32),
  ConversionName: 'MQL',
  ConversionTime: '2026-11-20T10:00:00Z',
  HashedEmailAddress: HEX('9'),
  ...over,
});
const headers = (over: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  developertoken: 'dev-token-1234',
  customerid: '111',
  customeraccountid: '222',
  ...over,
});
const apply = (list: unknown[], h: Record<string, string> = {}) =>
  call(`${fake.url}/CampaignManagement/v13/OfflineConversions/Apply`, {
    body: { OfflineConversions: list },
    headers: headers(h),
  });

describe('Microsoft Advertising offline conversions fake', () => {
  it('applies valid conversions, ignores a duplicate click + time, keeps a wrong goal name uncounted', async () => {
    const r = await apply([conv(), conv(), conv({ ConversionName: 'Other', MicrosoftClickId: 'd'.repeat(32) })]);
    expect(r.status).toBe(200);
    expect(r.body.PartialErrors).toBeNull();
    expect(fake.conversions).toHaveLength(1);
    expect(fake.uncounted).toHaveLength(1);
  });

  it('the old refresh token dies after rotation', async () => {
    const r = await call(`${fake.url}/common/oauth2/v2.0/token`, {
      form: {
        grant_type: 'refresh_token',
        client_id: 'ms-cid',
        client_secret: 'ms-secret-1',
        refresh_token: 'ms-rt-1',
      },
    });
    expect(r.body.error).toBe('invalid_grant');
  });

  const headerRefusals: [string, Record<string, string>, number, string][] = [
    ['an expired token', { authorization: 'Bearer old' }, 401, 'AuthenticationTokenExpired'],
    ['a wrong developer token', { developertoken: 'x' }, 401, 'InvalidCredentials'],
    ['a wrong customer', { customerid: '9' }, 400, 'InvalidCustomerId'],
    ['no account header', { customeraccountid: '' }, 400, 'InvalidAccountId'],
  ];
  for (const [what, h, status, code] of headerRefusals)
    it(`refuses ${what}`, async () => {
      const r = await apply([conv()], h);
      expect(r.status).toBe(status);
      expect(r.body.Errors[0].ErrorCode).toBe(code);
    });

  const rowRefusals: [string, Record<string, unknown>, string][] = [
    ['a malformed MSCLKID', { MicrosoftClickId: 'not-a-click' }, 'OfflineConversionMicrosoftClickIdInvalid'],
    [
      'no click and no hash',
      { MicrosoftClickId: undefined, HashedEmailAddress: undefined },
      'OfflineConversionMicrosoftClickIdInvalid',
    ],
    ['a local time', { ConversionTime: '2026-11-20T10:00:00+01:00' }, 'OfflineConversionTimeNullOrEmpty'],
    ['a future time', { ConversionTime: '2026-11-21T10:00:00Z' }, 'FutureConversionTimeCannotBeSet'],
    ['a time over 90 days ago', { ConversionTime: '2026-08-01T10:00:00Z' }, 'OfflineConversionTimeOutsideWindow'],
    ['an unhashed email', { HashedEmailAddress: 'a@b.co' }, 'OfflineConversionInvalidHashedValue'],
  ];
  for (const [what, over, code] of rowRefusals)
    it(`reports ${what} in PartialErrors by index`, async () => {
      const r = await apply([
        conv({ MicrosoftClickId: 'e'.repeat(32), ConversionTime: '2026-11-20T09:00:00Z' }),
        conv(over),
      ]);
      expect(r.body.PartialErrors).toEqual([
        expect.objectContaining({ Index: 1, ErrorCode: code, Type: 'BatchError' }),
      ]);
    });

  it('refuses over 1,000 conversions and injects call-rate errors', async () => {
    expect((await apply(Array.from({ length: 1001 }, () => conv()))).status).toBe(400);
    fake.fault({ status: 429 });
    const r = await apply([conv()]);
    expect(r.body.Errors[0]).toMatchObject({ Code: 117, ErrorCode: 'CallRateExceeded' });
  });
});
