import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startOpenAIAdsFake, type OpenAIAdsFake } from './openai-ads';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: OpenAIAdsFake;
beforeAll(async () => {
  fake = await startOpenAIAdsFake({ pixelId: 'px_fake1', apiKey: 'sk-svcacct-fake-key-01', now: () => NOW });
});
afterAll(() => fake.stop());

const event = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) => ({
  id: 'e1',
  type: 'lead_created',
  timestamp_ms: NOW - 3_600_000,
  user: { email_sha256: HEX('a'), ip_address: '203.0.113.9', user_agent: 'Mozilla/5.0', ...user },
  data: { type: 'customer_action' },
  ...over,
});
const send = (body: unknown, key: string | null = 'sk-svcacct-fake-key-01', pid = 'px_fake1') =>
  call(`${fake.url}/v1/events?pid=${pid}`, { body, headers: key === null ? {} : { authorization: `Bearer ${key}` } });

describe('ChatGPT Ads Conversions API fake', () => {
  it('saves a valid batch once per id + type; validate_only saves nothing', async () => {
    const before = fake.events.length;
    const r = await send({
      validate_only: false,
      events: [
        event(),
        event({ id: 'e2', type: 'order_created', data: { type: 'contents', amount: 1250, currency: 'USD' } }),
        event(),
      ],
    });
    expect(r.status).toBe(200);
    expect(fake.events.length).toBe(before + 2);
    const validated = fake.validated;
    expect((await send({ validate_only: true, events: [event({ id: 'v1' })] })).status).toBe(200);
    expect(fake.events.length).toBe(before + 2);
    expect(fake.validated).toBe(validated + 1);
  });

  const refusals: [string, () => ReturnType<typeof send>, number, RegExp][] = [
    ['no key', () => send({ events: [event()] }, null), 401, /API key/],
    ['a wrong key', () => send({ events: [event()] }, 'sk-nope'), 401, /Incorrect API key/],
    ['another pixel', () => send({ events: [event()] }, 'sk-svcacct-fake-key-01', 'px_other'), 404, /not found/],
    ['an event at the root', () => send(event()), 400, /unknown field|Missing required field: events/],
    [
      '1,001 events',
      () => send({ events: Array.from({ length: 1001 }, (_, i) => event({ id: `x${i}` })) }),
      400,
      /at most 1000/,
    ],
    ['an unknown type', () => send({ events: [event({ type: 'Lead' })] }), 400, /supported standard event/],
    [
      'custom without a name',
      () => send({ events: [event({ type: 'custom', data: { type: 'custom' } })] }),
      400,
      /custom_event_name/,
    ],
    [
      'seconds for timestamp_ms',
      () => send({ events: [event({ timestamp_ms: Math.floor(NOW / 1000) })] }),
      400,
      /milliseconds/,
    ],
    [
      'an event over 7 days old',
      () => send({ events: [event(), event({ id: 'old', timestamp_ms: NOW - 8 * 86_400_000 })] }),
      400,
      /7 days/,
    ],
    [
      'an event 11 minutes ahead',
      () => send({ events: [event({ timestamp_ms: NOW + 11 * 60_000 })] }),
      400,
      /10 minutes/,
    ],
    ['a web event without source_url', () => send({ events: [event({ action_source: 'web' })] }), 400, /source_url/],
    [
      'an unknown action_source',
      () => send({ events: [event({ action_source: 'system_generated' })] }),
      400,
      /action_source/,
    ],
    ['a raw email', () => send({ events: [event({}, { email_sha256: 'a@b.co' })] }), 400, /SHA-256/],
    ['an uppercase hash', () => send({ events: [event({}, { external_id_sha256: HEX('B') })] }), 400, /SHA-256/],
    ['a phone number', () => send({ events: [event({}, { phone_sha256: HEX('c') })] }), 400, /unknown field/],
    ['the wrong data shape', () => send({ events: [event({ data: { type: 'contents' } })] }), 400, /customer_action/],
    [
      'a decimal amount',
      () => send({ events: [event({ data: { type: 'customer_action', amount: 12.5, currency: 'USD' } })] }),
      400,
      /minor units/,
    ],
    [
      'an amount without currency',
      () => send({ events: [event({ data: { type: 'customer_action', amount: 1250 } })] }),
      400,
      /currency/,
    ],
  ];
  for (const [what, run, status, message] of refusals)
    it(`refuses ${what}, saving nothing`, async () => {
      const before = fake.events.length;
      const r = await run();
      expect(r.status).toBe(status);
      expect(r.body.error.message).toMatch(message);
      expect(fake.events.length).toBe(before);
    });

  it('one invalid event fails the whole batch', async () => {
    fake.poison('bad-1');
    const before = fake.events.length;
    expect((await send({ events: [event({ id: 'ok-3' }), event({ id: 'bad-1' })] })).status).toBe(400);
    expect(fake.events.length).toBe(before);
  });

  it('injects 429 with Retry-After, 500 and hangs; answers 401 once the key is revoked', async () => {
    fake.fault({ status: 429, retryAfter: '4' });
    let r = await send({ events: [event({ id: 'f1' })] });
    expect([r.status, r.headers.get('retry-after'), r.body.error.code]).toEqual([429, '4', 'rate_limit_exceeded']);
    fake.fault({ status: 500 });
    expect((await send({ events: [event({ id: 'f1' })] })).status).toBe(500);
    const before = fake.events.length;
    fake.fault({ hang: 'before' });
    await expect(
      call(`${fake.url}/v1/events?pid=px_fake1`, {
        body: { events: [event({ id: 'h1' })] },
        headers: { authorization: 'Bearer sk-svcacct-fake-key-01' },
        timeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(fake.events.length).toBe(before);
    fake.revokeKey();
    expect((await send({ events: [event({ id: 'f2' })] })).status).toBe(401);
  });
});
