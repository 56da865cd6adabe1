import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startMetaFake, type MetaFake } from './meta';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const nowS = Math.floor(NOW / 1000);
let fake: MetaFake;
beforeAll(async () => {
  fake = await startMetaFake({ pixelId: '123456', accessToken: 'EAAtoken1234567890', now: () => NOW });
});
afterAll(() => fake.stop());

const event = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) => ({
  event_name: 'Lead',
  event_time: nowS - 3600,
  event_id: 'e1',
  action_source: 'system_generated',
  user_data: {
    em: [HEX('a')],
    fbc: 'fb.1.1763640000000.IwAR123abc',
    fbp: 'fb.1.1763640000000.123456789',
    client_ip_address: '203.0.113.9',
    ...user,
  },
  ...over,
});
const send = (body: unknown, path = '/v26.0/123456/events?access_token=EAAtoken1234567890') =>
  call(fake.url + path, { body });

describe('Meta CAPI fake', () => {
  it('accepts a valid batch, records it and answers like Graph', async () => {
    const before = fake.events.length;
    const r = await send({ data: [event(), event({ event_id: 'e2' })], test_event_code: 'TEST123' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ events_received: 2, messages: [] });
    expect(typeof r.body.fbtrace_id).toBe('string');
    expect(fake.events.length).toBe(before + 2);
    expect(fake.events.at(-1)).toMatchObject({ testEventCode: 'TEST123' });
  });

  it('takes the token in the body too', async () => {
    const r = await send({ data: [event()], access_token: 'EAAtoken1234567890' }, '/v26.0/123456/events');
    expect(r.status).toBe(200);
  });

  const refusals: [string, () => Promise<Awaited<ReturnType<typeof call>>>, number, Record<string, unknown>][] = [
    [
      'an old Graph version',
      () => send({ data: [event()] }, '/v12.0/123456/events?access_token=EAAtoken1234567890'),
      400,
      { code: 2635 },
    ],
    ['no access token', () => send({ data: [event()] }, '/v26.0/123456/events'), 400, { code: 104 }],
    [
      'a wrong access token',
      () => send({ data: [event()] }, '/v26.0/123456/events?access_token=nope'),
      401,
      { code: 190 },
    ],
    [
      'another pixel',
      () => send({ data: [event()] }, '/v26.0/999/events?access_token=EAAtoken1234567890'),
      400,
      { code: 100 },
    ],
    ['an empty batch', () => send({ data: [] }), 400, { code: 100 }],
    [
      '1,001 events',
      () => send({ data: Array.from({ length: 1001 }, (_, i) => event({ event_id: `x${i}` })) }),
      400,
      { code: 100 },
    ],
    [
      'an event older than 7 days',
      () => send({ data: [event(), event({ event_time: nowS - 8 * 86400 })] }),
      400,
      { error_subcode: 2804003 },
    ],
    ['event_time in milliseconds', () => send({ data: [event({ event_time: NOW })] }), 400, { code: 100 }],
    ['an unhashed email', () => send({ data: [event({}, { em: ['someone@example.com'] })] }), 400, { code: 100 }],
    ['an uppercase hash', () => send({ data: [event({}, { em: [HEX('A')] })] }), 400, { code: 100 }],
    ['an fbc without creation ms', () => send({ data: [event({}, { fbc: 'fb.1.IwAR123abc' })] }), 400, { code: 100 }],
    [
      'an fbc with seconds',
      () => send({ data: [event({}, { fbc: 'fb.1.1763640000.IwAR123abc' })] }),
      400,
      { code: 100 },
    ],
    ['a bad fbp', () => send({ data: [event({}, { fbp: 'fb.1.1763640000000.abc' })] }), 400, { code: 100 }],
    ['a bad IP', () => send({ data: [event({}, { client_ip_address: '999.1.1' })] }), 400, { code: 100 }],
    ['an unknown action_source', () => send({ data: [event({ action_source: 'crm' })] }), 400, { code: 100 }],
    [
      'a website event without URL',
      () => send({ data: [event({ action_source: 'website' }, { client_user_agent: 'UA' })] }),
      400,
      { code: 100 },
    ],
    [
      'a website event without user agent',
      () => send({ data: [event({ action_source: 'website', event_source_url: 'https://x.test/' })] }),
      400,
      { code: 100 },
    ],
    ['a misspelt field', () => send({ data: [event({ event_nme: 'Lead' })] }), 400, { code: 100 }],
    [
      'user data too thin',
      () => send({ data: [event({ user_data: { ge: HEX('b') } })] }),
      400,
      { error_subcode: 2804050 },
    ],
    [
      'a non-numeric value',
      () => send({ data: [event({ custom_data: { value: '12', currency: 'USD' } })] }),
      400,
      { code: 100 },
    ],
  ];
  for (const [what, run, status, error] of refusals)
    it(`refuses ${what}, recording nothing`, async () => {
      const before = fake.events.length;
      const r = await run();
      expect(r.status).toBe(status);
      expect(r.body.error).toMatchObject({ type: 'OAuthException', ...error });
      expect(fake.events.length).toBe(before);
    });

  it('rejects a whole batch for one poisoned event', async () => {
    fake.poison('bad-1');
    const before = fake.events.length;
    const r = await send({ data: [event({ event_id: 'ok-1' }), event({ event_id: 'bad-1' })] });
    expect(r.status).toBe(400);
    expect(fake.events.length).toBe(before);
  });

  it('injects 429 with Retry-After, 500 and a rate-limit code', async () => {
    fake.fault({ status: 429, retryAfter: '7' });
    let r = await send({ data: [event()] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body.error).toMatchObject({ code: 4, is_transient: true });
    fake.fault({ status: 500 });
    r = await send({ data: [event()] });
    expect(r.status).toBe(500);
    expect(r.body.error.is_transient).toBe(true);
    fake.fault({ kind: 'rate_limit' });
    r = await send({ data: [event()] });
    expect(r.body.error).toMatchObject({ code: 17, error_subcode: 2446079 });
    r = await send({ data: [event()] });
    expect(r.status).toBe(200);
  });

  it('hangs before or after applying a request', async () => {
    const before = fake.events.length;
    fake.fault({ hang: 'before' });
    await expect(
      call(fake.url + '/v26.0/123456/events?access_token=EAAtoken1234567890', {
        body: { data: [event()] },
        timeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(fake.events.length).toBe(before);
    fake.fault({ hang: 'after' });
    await expect(
      call(fake.url + '/v26.0/123456/events?access_token=EAAtoken1234567890', {
        body: { data: [event({ event_id: 'amb' })] },
        timeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(fake.events.length).toBe(before + 1);
  });

  it('answers 401 once the token is revoked', async () => {
    fake.revokeToken();
    const r = await send({ data: [event()] });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe(190);
  });
});
