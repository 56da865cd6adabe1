import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startLinkedInFake, type LinkedInFake } from './linkedin';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: LinkedInFake;
let token: string;
beforeAll(async () => {
  fake = await startLinkedInFake({
    conversionIds: ['4242'],
    clientId: 'li-cid',
    clientSecret: 'li-secret-123',
    refreshToken: 'li-rt-1',
    now: () => NOW,
    rotateRefreshTokens: true,
  });
  const r = await call(`${fake.url}/oauth/v2/accessToken`, {
    form: {
      grant_type: 'refresh_token',
      client_id: 'li-cid',
      client_secret: 'li-secret-123',
      refresh_token: 'li-rt-1',
    },
  });
  token = r.body.access_token;
  expect(r.body.refresh_token).not.toBe('li-rt-1');
});
afterAll(() => fake.stop());

const ev = (over: Record<string, unknown> = {}) => ({
  conversion: 'urn:lla:llaPartnerConversion:4242',
  conversionHappenedAt: NOW - 3600_000,
  eventId: 'ev-1',
  user: {
    userIds: [
      { idType: 'SHA256_EMAIL', idValue: HEX('1') },
      { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: '85929337-d448-42da-a095-0b3c5500fa50' },
    ],
  },
  ...over,
});
const headers = (over: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'linkedin-version': '202610',
  'x-restli-protocol-version': '2.0.0',
  'x-restli-method': 'BATCH_CREATE',
  ...over,
});
const batch = (elements: unknown[], h: Record<string, string> = {}) =>
  call(`${fake.url}/rest/conversionEvents`, { body: { elements }, headers: headers(h) });

describe('LinkedIn Conversions API fake', () => {
  it('creates one event (201) and a batch with per-element status', async () => {
    const single = await call(`${fake.url}/rest/conversionEvents`, {
      body: ev(),
      headers: headers({ 'x-restli-method': '' }),
    });
    expect(single.status).toBe(201);
    const r = await batch([ev({ eventId: 'a' }), ev({ eventId: 'b', conversionHappenedAt: NOW - 91 * 86_400_000 })]);
    expect(r.status).toBe(200);
    expect(r.body.elements[0]).toEqual({ status: 201 });
    expect(r.body.elements[1]).toMatchObject({ status: 400 });
    expect(fake.events.map((e) => e.eventId)).toEqual(['ev-1', 'a']);
  });

  const headerRefusals: [string, Record<string, string>, number, string][] = [
    ['no token', { authorization: '' }, 401, 'EXPIRED_ACCESS_TOKEN'],
    ['no version', { 'linkedin-version': '' }, 400, 'VERSION_MISSING'],
    ['a sunset version', { 'linkedin-version': '202410' }, 426, 'NONEXISTENT_VERSION'],
    ['a future version', { 'linkedin-version': '202701' }, 426, 'NONEXISTENT_VERSION'],
    ['no Rest.li 2.0.0 header', { 'x-restli-protocol-version': '' }, 400, 'ILLEGAL_ARGUMENT'],
  ];
  for (const [what, h, status, code] of headerRefusals)
    it(`refuses ${what}`, async () => {
      const r = await batch([ev()], h);
      expect(r.status).toBe(status);
      expect(r.body.code).toBe(code);
    });

  const elementRefusals: [string, Record<string, unknown>][] = [
    ['a bad URN', { conversion: 'urn:li:conversion:4242' }],
    ['an unknown rule', { conversion: 'urn:lla:llaPartnerConversion:1' }],
    ['seconds instead of ms', { conversionHappenedAt: Math.floor(NOW / 1000) }],
    ['an unhashed email', { user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: 'a@b.co' }] } }],
    ['an unknown id type', { user: { userIds: [{ idType: 'EMAIL', idValue: 'x' }] } }],
    ['no identifier', { user: { userIds: [] } }],
    ['a numeric amount', { conversionValue: { currencyCode: 'USD', amount: 12 } }],
    ['an eventId over 64 chars', { eventId: 'x'.repeat(65) }],
    ['a misspelt field', { conversionHappenedAtt: 1 }],
  ];
  for (const [what, over] of elementRefusals)
    it(`refuses an element with ${what}`, async () => {
      const r = await batch([ev(over)]);
      expect(r.body.elements[0].status).toBe(400);
    });

  it('refuses more than 5,000 elements and injects throttling', async () => {
    expect((await batch(Array.from({ length: 5001 }, () => ev()))).status).toBe(400);
    fake.fault({ status: 429, retryAfter: '3' });
    const r = await batch([ev()]);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
  });
});
