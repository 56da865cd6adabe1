// The per-IP limit holds across isolates: with the isolate's own counter lifted out of the way, the
// Workers Rate Limiting binding (wrangler.toml [[ratelimits]] RL_IP: 600 a minute, one counter for
// every isolate of a location) still answers 429 with Retry-After, on /v1/collect and on the
// Segment browser path, which share the IP's budget.
import { afterEach, describe, expect, it } from 'vitest';
import { call, collect, env, PK, SITE } from './helpers';

const overrides = env as unknown as Record<string, string | undefined>;
afterEach(() => {
  delete overrides.RATE_LIMIT_IP_PER_MINUTE;
});

describe('rate limits across isolates', { timeout: 120_000 }, () => {
  it('the shared per-IP limit answers 429 with Retry-After when the isolate counter would not', async () => {
    overrides.RATE_LIMIT_IP_PER_MINUTE = '1000000';
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    // Another isolate (or several) spent 599 of this IP's 600 in the shared counter. Hitting the
    // binding directly stands in for them: this isolate's own counter has seen none of it.
    for (let i = 0; i < 599; i++) expect((await env.RL_IP!.limit({ key: `ip:${ip}` })).success).toBe(true);
    // An empty body is refused after the limit is counted: the 600th request still passes the limit.
    expect((await collect('{}', { 'cf-connecting-ip': ip })).status).toBe(400);
    const res = await collect('{}', { 'cf-connecting-ip': ip });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(((await res.json()) as any).error.code).toBe('rate_limited');
    // Same IP on the Segment browser path (publishable key from an allowed Origin): same budget.
    const seg = await call('/segment/v1/identify', {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${PK}:`)}`,
        origin: SITE,
        'content-type': 'application/json',
        'cf-connecting-ip': ip,
      },
      body: JSON.stringify({ userId: 'shared-limit@example.com', anonymousId: 'anon-shared-limit' }),
    });
    expect(seg.status).toBe(429);
    // Another IP is unaffected.
    expect((await collect('{}', { 'cf-connecting-ip': '198.19.0.1' })).status).toBe(400);
  });
});
