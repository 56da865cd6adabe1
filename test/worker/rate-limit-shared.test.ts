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
    // The binding counts in windows aligned to the wall clock's minutes (as Cloudflare's does): a
    // run that crosses a minute starts the IP's count again halfway, and proves nothing either way.
    // Such a run is done again with a new IP; a run within one window must show the limit.
    const window = () => Math.floor(Date.now() / 60_000);
    for (let attempt = 1; ; attempt++) {
      const started = window();
      const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      // Another isolate (or several) spent 599 of this IP's 600 in the shared counter. Hitting the
      // binding directly stands in for them: this isolate's own counter has seen none of it.
      for (let i = 0; i < 599; i++) expect((await env.RL_IP!.limit({ key: `ip:${ip}` })).success).toBe(true);
      // An empty body is refused after the limit is counted: the 600th request still passes the limit.
      const last = (await collect('{}', { 'cf-connecting-ip': ip })).status;
      const res = await collect('{}', { 'cf-connecting-ip': ip });
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
      if (window() !== started && attempt < 3) continue;
      expect(last).toBe(400);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(((await res.json()) as any).error.code).toBe('rate_limited');
      expect(seg.status).toBe(429);
      break;
    }
    // Another IP is unaffected.
    expect((await collect('{}', { 'cf-connecting-ip': '198.19.0.1' })).status).toBe(400);
  });
});
