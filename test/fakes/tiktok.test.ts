import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startTikTokFake, TIKTOK_PATH, type TikTokFake } from './tiktok';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const nowS = Math.floor(NOW / 1000);
let fake: TikTokFake;
beforeAll(async () => {
  fake = await startTikTokFake({ pixelCode: 'CPIXEL1234567890', accessToken: 'tiktok-token-123456', now: () => NOW });
});
afterAll(() => fake.stop());

const event = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) => ({
  event: 'SubmitForm',
  event_time: nowS - 3600,
  event_id: 'e1',
  user: {
    email: HEX('a'),
    phone: HEX('b'),
    ttclid: 'E.C.P.abc',
    ttp: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK',
    ip: '203.0.113.9',
    user_agent: 'Mozilla/5.0',
    ...user,
  },
  ...over,
});
const body = (data: unknown[], over: Record<string, unknown> = {}) => ({
  event_source: 'web',
  event_source_id: 'CPIXEL1234567890',
  data,
  ...over,
});
const send = (b: unknown, token: string | null = 'tiktok-token-123456') =>
  call(fake.url + TIKTOK_PATH, { body: b, headers: token === null ? {} : { 'access-token': token } });

describe('TikTok Events API fake', () => {
  it('accepts a valid batch with code 0 and counts an event_id once', async () => {
    const before = fake.events.length;
    const r = await send(
      body([event(), event({ event_id: 'e2', properties: { value: 9.5, currency: 'USD' } }), event()]),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 0, message: 'OK', request_id: expect.any(String) });
    expect(fake.events.length).toBe(before + 2);
  });

  it('keeps test events apart', async () => {
    const before = fake.events.length;
    expect((await send(body([event({ event_id: 't1' })], { test_event_code: 'TEST123' }))).body.code).toBe(0);
    expect(fake.events.length).toBe(before);
    expect(fake.testEvents.at(-1)).toMatchObject({ testEventCode: 'TEST123' });
  });

  const refusals: [string, () => ReturnType<typeof send>, number][] = [
    ['no access token', () => send(body([event()]), null), 40104],
    ['a wrong access token', () => send(body([event()]), 'nope'), 40105],
    ['another pixel', () => send(body([event()], { event_source_id: 'COTHER' })), 40001],
    ['an unknown event_source', () => send(body([event()], { event_source: 'server' })), 40002],
    ['an empty batch', () => send(body([])), 40002],
    ['1,001 events', () => send(body(Array.from({ length: 1001 }, (_, i) => event({ event_id: `x${i}` })))), 40002],
    ['event_time in milliseconds', () => send(body([event({ event_time: NOW })])), 40002],
    ['an event over 28 days old', () => send(body([event({ event_time: nowS - 29 * 86400 })])), 40002],
    ['an unhashed email', () => send(body([event({}, { email: 'a@b.co' })])), 40002],
    ['an uppercase hash', () => send(body([event({}, { phone: HEX('B') })])), 40002],
    ['a bad IP', () => send(body([event({}, { ip: '1.2.3' })])), 40002],
    ['no identifier', () => send(body([event({ user: { locale: 'en_US' } })])), 40002],
    ['a value without currency', () => send(body([event({ properties: { value: 3 } })])), 40002],
    ['a misspelt field', () => send(body([event({ event_name: 'SubmitForm' })])), 40002],
  ];
  for (const [what, run, code] of refusals)
    it(`refuses ${what} (code ${code}), counting nothing`, async () => {
      const before = fake.events.length;
      const r = await run();
      expect(r.status).toBe(200);
      expect(r.body.code).toBe(code);
      expect(fake.events.length).toBe(before);
    });

  it('one refused event refuses the whole request', async () => {
    fake.poison('bad-1');
    const before = fake.events.length;
    expect((await send(body([event({ event_id: 'ok-7' }), event({ event_id: 'bad-1' })]))).body.code).toBe(40002);
    expect(fake.events.length).toBe(before);
  });

  it('injects throttling (HTTP 200 code 40100, or a gateway 429 with Retry-After), 5xx and hangs', async () => {
    fake.fault({ kind: 'rate_limit' });
    let r = await send(body([event({ event_id: 'f1' })]));
    expect([r.status, r.body.code]).toEqual([200, 40100]);
    fake.fault({ status: 429, retryAfter: '5' });
    r = await send(body([event({ event_id: 'f1' })]));
    expect([r.status, r.headers.get('retry-after'), r.body.code]).toEqual([429, '5', 40100]);
    fake.fault({ status: 500 });
    r = await send(body([event({ event_id: 'f1' })]));
    expect([r.status, r.body.code]).toEqual([500, 50000]);
    fake.fault({ status: 401 });
    expect((await send(body([event({ event_id: 'f1' })]))).body.code).toBe(40105);
    const before = fake.events.length;
    fake.fault({ hang: 'before' });
    await expect(
      call(fake.url + TIKTOK_PATH, {
        body: body([event({ event_id: 'h1' })]),
        headers: { 'access-token': 'tiktok-token-123456' },
        timeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(fake.events.length).toBe(before);
  });

  it('answers 40105 once the token is revoked', async () => {
    fake.revokeToken();
    expect((await send(body([event()]))).body.code).toBe(40105);
  });
});
