import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, HEX } from './http';
import { startRedditFake, type RedditFake } from './reddit';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: RedditFake;
beforeAll(async () => {
  fake = await startRedditFake({ pixelId: 'a2_pixel123', accessToken: 'reddit-token-123456', now: () => NOW });
});
afterAll(() => fake.stop());

const event = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) => ({
  event_at: NOW - 3_600_000,
  action_source: 'WEBSITE',
  type: { tracking_type: 'LEAD' },
  click_id: '3184742045291813272',
  metadata: { conversion_id: 'c1' },
  user: {
    email: HEX('a'),
    ip_address: '203.0.113.9',
    user_agent: 'Mozilla/5.0',
    uuid: '1763000000000.b8f7eb7d-b357-437b-8bd3-e1c8166c7132',
    ...user,
  },
  ...over,
});
const H = { authorization: 'Bearer reddit-token-123456', 'user-agent': 'open-conversions-test/1' };
const send = (body: unknown, headers: Record<string, string> = H, pixel = 'a2_pixel123') =>
  call(`${fake.url}/api/v3/pixels/${pixel}/conversion_events`, { body, headers });

describe('Reddit Conversions API v3 fake', () => {
  it('accepts a valid batch, answers like Reddit, and counts a conversion id once', async () => {
    const before = fake.events.length;
    const r = await send({
      data: { events: [event(), event({ metadata: { conversion_id: 'c2', value: 12.5, currency: 'USD' } }), event()] },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { message: 'Successfully processed 3 conversion events.' } });
    expect(fake.events.length).toBe(before + 2);
  });

  it('routes test_id requests to Event Testing, never counting them', async () => {
    const before = fake.events.length;
    const r = await send({ data: { test_id: 't2_test', events: [event({ metadata: { conversion_id: 'test-1' } })] } });
    expect(r.status).toBe(200);
    expect(fake.events.length).toBe(before);
    expect(fake.testEvents.at(-1)).toMatchObject({ testId: 't2_test' });
  });

  const refusals: [string, () => ReturnType<typeof send>, number, RegExp][] = [
    ['no bearer token', () => send({ data: { events: [event()] } }, { 'user-agent': 'x/1' }), 401, /No bearer token/],
    [
      'a wrong token',
      () => send({ data: { events: [event()] } }, { ...H, authorization: 'Bearer nope' }),
      401,
      /UNAUTHORIZED/,
    ],
    [
      'another pixel',
      () => send({ data: { events: [event()] } }, H, 'a2_other'),
      403,
      /not authorized to post conversions/,
    ],
    [
      'a generic user agent',
      () => send({ data: { events: [event()] } }, { ...H, 'user-agent': 'node' }),
      429,
      /user agent/,
    ],
    ['the v2 body (no data wrapper)', () => send({ events: [event()] }), 400, /data/],
    ['test_mode (v2)', () => send({ data: { test_mode: true, events: [event()] } }), 400, /unknown field/],
    [
      '1,001 events',
      () =>
        send({
          data: { events: Array.from({ length: 1001 }, (_, i) => event({ metadata: { conversion_id: `x${i}` } })) },
        }),
      400,
      /Bad Request/,
    ],
    [
      'event_at in seconds',
      () => send({ data: { events: [event({ event_at: Math.floor(NOW / 1000) })] } }),
      400,
      /milliseconds/,
    ],
    [
      'an event over 7 days old',
      () => send({ data: { events: [event(), event({ event_at: NOW - 8 * 86_400_000 })] } }),
      400,
      /7 days/,
    ],
    [
      'no action_source',
      () => send({ data: { events: [event({ action_source: undefined })] } }),
      400,
      /missing action_source/,
    ],
    [
      'a lowercase action_source',
      () => send({ data: { events: [event({ action_source: 'website' })] } }),
      400,
      /invalid action_source/,
    ],
    [
      'a v2 tracking type',
      () => send({ data: { events: [event({ type: { tracking_type: 'Lead' } })] } }),
      400,
      /tracking_type/,
    ],
    [
      'CUSTOM without a name',
      () => send({ data: { events: [event({ type: { tracking_type: 'CUSTOM' } })] } }),
      400,
      /custom_event_name/,
    ],
    ['no conversion_id', () => send({ data: { events: [event({ metadata: {} })] } }), 400, /conversion_id/],
    [
      'a value without currency',
      () => send({ data: { events: [event({ metadata: { conversion_id: 'v', value: 3 } })] } }),
      400,
      /together/,
    ],
    [
      'a value on a page visit',
      () =>
        send({
          data: {
            events: [
              event({
                type: { tracking_type: 'PAGE_VISIT' },
                metadata: { conversion_id: 'v', value: 3, currency: 'USD' },
              }),
            ],
          },
        }),
      400,
      /not accepted/,
    ],
    ['an uppercase hash', () => send({ data: { events: [event({}, { email: HEX('A') })] } }), 400, /lowercase/],
    ['a bad IP', () => send({ data: { events: [event({}, { ip_address: '999.1.1.1' })] } }), 400, /ip_address/],
    ['a uuid that is not the cookie', () => send({ data: { events: [event({}, { uuid: 'b8f7eb7d' })] } }), 400, /uuid/],
    [
      'no match key at all',
      () =>
        send({
          data: { events: [event({ click_id: undefined, user: { screen_dimensions: { width: 1, height: 1 } } })] },
        }),
      400,
      /match key/,
    ],
    [
      'a misspelt field',
      () => send({ data: { events: [event({ event_type: { tracking_type: 'LEAD' } })] } }),
      400,
      /unknown field/,
    ],
    [
      'a source URL on an APP event',
      () => send({ data: { events: [event({ action_source: 'APP', event_source_url: 'https://x.test/' })] } }),
      400,
      /WEBSITE/,
    ],
  ];
  for (const [what, run, status, message] of refusals)
    it(`refuses ${what}, counting nothing`, async () => {
      const before = fake.events.length;
      const r = await run();
      expect(r.status).toBe(status);
      expect(r.body.error.message).toMatch(message);
      expect(fake.events.length).toBe(before);
    });

  it('one invalid event refuses the whole request', async () => {
    fake.poison('bad-1');
    const before = fake.events.length;
    const r = await send({
      data: {
        events: [event({ metadata: { conversion_id: 'ok-9' } }), event({ metadata: { conversion_id: 'bad-1' } })],
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/None were processed/);
    expect(fake.events.length).toBe(before);
  });

  it('injects 429 with Retry-After, 503, and hangs before or after applying', async () => {
    fake.fault({ status: 429, retryAfter: '9' });
    let r = await send({ data: { events: [event({ metadata: { conversion_id: 'f1' } })] } });
    expect([r.status, r.headers.get('retry-after'), r.body.error.message]).toEqual([
      429,
      '9',
      'Too many requests/events within timeframe.',
    ]);
    fake.fault({ status: 503 });
    r = await send({ data: { events: [event({ metadata: { conversion_id: 'f1' } })] } });
    expect(r.status).toBe(503);
    const before = fake.events.length;
    fake.fault({ hang: 'after' });
    await expect(
      call(`${fake.url}/api/v3/pixels/a2_pixel123/conversion_events`, {
        body: { data: { events: [event({ metadata: { conversion_id: 'amb' } })] } },
        headers: H,
        timeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(fake.events.length).toBe(before + 1);
  });

  it('answers 401 once the token is revoked', async () => {
    fake.revokeToken();
    expect((await send({ data: { events: [event()] } })).status).toBe(401);
  });
});
