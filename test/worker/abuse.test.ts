import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../collector/security/rate-limit';
import { anonId, call, collect, env, gclid, identifyEvent, person, PK, SK, touchEvent, upsertPeople } from './helpers';

const overrides = env as unknown as Record<string, string | undefined>;
const set: string[] = [];
function limit(name: string, value: number) {
  overrides[name] = String(value);
  set.push(name);
}
afterEach(() => {
  for (const name of set.splice(0)) delete overrides[name];
});

describe('RateLimiter', () => {
  it('counts per key in fixed windows and says when to come back', () => {
    const l = new RateLimiter(3, 60_000);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => l.take('a', t).ok)).toEqual([true, true, true]);
    expect(l.take('a', t + 15_000)).toEqual({ ok: false, retryAfterS: 45 });
    expect(l.take('b', t + 15_000).ok).toBe(true);
    expect(l.take('a', t + 60_000).ok).toBe(true);
    expect(l.fits('a', t + 60_000, 2)).toBe(true);
    expect(l.fits('a', t + 60_000, 3)).toBe(false);
  });

  it('keeps memory bounded, forgetting the oldest keys', () => {
    const l = new RateLimiter(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) l.take(`k${i}`, 0);
    expect(l.take('k0', 0).ok).toBe(true); // forgotten, so counted afresh
    expect(l.take('k999', 0).ok).toBe(false);
  });
});

describe('rate limits on the public endpoints', () => {
  it('per IP on /v1/collect: 429 with Retry-After, other IPs unaffected', async () => {
    limit('RATE_LIMIT_IP_PER_MINUTE', 5);
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await collect(
            { key: PK, events: [identifyEvent(`rl-${i}-${anonId()}@example.com`)] },
            { 'cf-connecting-ip': ip },
          )
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const res = await collect(
      { key: PK, events: [identifyEvent(`rl-x-${anonId()}@example.com`)] },
      { 'cf-connecting-ip': ip },
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as any).error.code).toBe('rate_limited');
    expect(
      (
        await collect(
          { key: PK, events: [identifyEvent(`rl-y-${anonId()}@example.com`)] },
          { 'cf-connecting-ip': '192.0.2.200' },
        )
      ).status,
    ).toBe(200);
  });

  it('per key on /v1/people and on Segment server-side senders', async () => {
    limit('RATE_LIMIT_KEY_PER_MINUTE', 2);
    const body = { people: [{ email: `k-${anonId()}@example.com`, source: 'crm', attributes: {} }] };
    const s: number[] = [];
    for (let i = 0; i < 3; i++) s.push((await upsertPeople(body)).status);
    expect(s).toEqual([202, 202, 429]);
    const seg = await call('/segment/v1/identify', {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${SK}:`)}` },
      body: JSON.stringify({ userId: `seg-${anonId()}@example.com` }),
    });
    expect(seg.status).toBe(429);
    expect(seg.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('caps per IP', () => {
  it('on people created: new people are refused, existing ones still update', async () => {
    limit('CREATE_CAP_IP_PER_MINUTE', 3);
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const emails = Array.from({ length: 4 }, (_, i) => `cap-${i}-${anonId()}@example.com`);
    const s: number[] = [];
    for (const email of emails)
      s.push((await collect({ key: PK, events: [identifyEvent(email)] }, { 'cf-connecting-ip': ip })).status);
    expect(s).toEqual([200, 200, 200, 429]);
    expect(await person(emails[3]!)).toBeNull();
    const update = await collect(
      { key: PK, events: [identifyEvent(emails[0]!, { traits: { again: true } })] },
      { 'cf-connecting-ip': ip },
    );
    expect(update.status).toBe(200);
    expect((await person(emails[0]!)).attributes.traits).toEqual({ again: true });
  });

  it('on visitors created and on click IDs sent', async () => {
    limit('CREATE_CAP_IP_PER_MINUTE', 1);
    limit('TOUCH_CAP_IP_PER_MINUTE', 3);
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`;
    const t = () => ({ kind: 'gclid', value: gclid(), firstSeen: Date.now() });
    const a = anonId();
    expect((await collect({ key: PK, events: [touchEvent(a, [t()])] }, { 'cf-connecting-ip': ip })).status).toBe(200);
    const second = await collect({ key: PK, events: [touchEvent(anonId(), [t()])] }, { 'cf-connecting-ip': ip });
    expect(second.status).toBe(429);
    expect(((await second.json()) as any).error.code).toBe('creation_capped');
    expect((await collect({ key: PK, events: [touchEvent(a, [t()])] }, { 'cf-connecting-ip': ip })).status).toBe(200);
    const flood = await collect({ key: PK, events: [touchEvent(a, [t(), t()])] }, { 'cf-connecting-ip': ip });
    expect(flood.status).toBe(429);
    expect(((await flood.json()) as any).error.code).toBe('touches_capped');
  });
});

describe('caps per person', () => {
  it('keep at most 500 touches (newest) and 100 devices', async () => {
    const email = `many-${anonId()}@example.com`;
    const base = Date.now() - 1000_000;
    for (let batch = 0; batch < 11; batch++) {
      const touches = Array.from({ length: 50 }, (_, i) => ({
        kind: 'gclid',
        value: `Cj0KCQiA_cap_${batch}_${i}`,
        firstSeen: base + batch * 50 + i,
      }));
      const events = [identifyEvent(email, { anonymousId: `anon_cap_${batch}_x`, touches })];
      expect((await collect({ key: PK, events })).status).toBe(200);
    }
    const p = await person(email);
    expect(p.touches).toHaveLength(500);
    expect(p.touches.map((t: any) => t.value)).not.toContain('Cj0KCQiA_cap_0_0');
    expect(p.touches.map((t: any) => t.value)).toContain('Cj0KCQiA_cap_10_49');

    const events = Array.from({ length: 50 }, (_, i) =>
      identifyEvent(email, { anonymousId: `anon_dev_${i}_${anonId()}` }),
    );
    for (let k = 0; k < 3; k++)
      await collect({
        key: PK,
        events: events.map((e) => ({ ...e, messageId: `${e.messageId}_${k}`, anonymousId: `${e.anonymousId}_${k}` })),
      });
    expect((await person(email)).devices).toHaveLength(100);
  }, 60_000);
});
