import { describe, expect, it } from 'vitest';
import { anonId, api, call, DAY, env, gclid, person, PK, settle, SITE, SK } from './helpers';
import { visitorById } from '../../collector/objects/doors';

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

function seg(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(`/segment/v1/${path}`, {
    method: 'POST',
    headers: { authorization: basic(SK), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function hmacSha1Hex(secret: string, body: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

describe('Segment HTTP Tracking API', () => {
  it('identify with an email trait creates the person; click IDs from context.page and campaign; ip and UA from context', async () => {
    const email = `seg-${anonId()}@example.com`;
    const g = gclid('seg');
    const res = await seg(
      'identify',
      {
        userId: 'db-42',
        anonymousId: 'c8a3f1b2-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        traits: { email, plan: 'pro' },
        messageId: 'ajs-next-1790000000000-abc',
        timestamp: new Date(Date.now() - 60_000).toISOString(),
        context: {
          ip: '203.0.113.50',
          userAgent: 'Mozilla/5.0 Seg',
          page: { url: `https://shop.test/landing?gclid=${g}&utm_source=x`, referrer: 'https://www.google.com/' },
          campaign: { name: 'spring', msclkid: '0123456789abcdef0123456789abcdef' },
        },
      },
      { 'cf-connecting-ip': '10.0.0.1', 'user-agent': 'analytics-node-next/latest' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, accepted: 1, rejected: [] });
    const p = await person(email);
    // A secret key is a server-side sender: its traits are trusted, under `segment`.
    expect(p.attributes.segment).toEqual({ email, plan: 'pro' });
    expect(p.attributes.traits).toBeUndefined();
    expect(p.touches.map((t: any) => [t.kind, t.value])).toEqual(
      expect.arrayContaining([
        ['gclid', g],
        ['msclkid', '0123456789abcdef0123456789abcdef'],
      ]),
    );
    expect(p.touches.find((t: any) => t.kind === 'gclid')).toMatchObject({
      landingUrl: expect.stringContaining(g),
      referrer: 'https://www.google.com/',
    });
    expect(p.devices).toEqual([
      expect.objectContaining({
        anonymousId: 'c8a3f1b2-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        ip: '203.0.113.50',
        userAgent: 'Mozilla/5.0 Seg',
      }),
    ]);
  });

  it('takes an email as userId, snake_case fields, and deduplicates by messageId', async () => {
    const email = `snake-${anonId()}@example.com`;
    const body = {
      type: 'identify',
      user_id: email,
      anonymous_id: anonId(),
      message_id: 'm-1',
      traits: { n: 1 },
      context: { user_agent: 'UA-snake' },
    };
    expect(await (await seg('identify', body)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await (await seg('identify', { ...body, traits: { n: 2 } })).json()).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    const p = await person(email);
    expect(p.attributes.segment).toEqual({ n: 1 });
    expect(p.devices[0].userAgent).toBe('UA-snake');
  });

  it('page and track events with click IDs go to the visitor and are merged on identify', async () => {
    const anon = `ajs-${anonId()}`;
    const g = gclid('page');
    const batch = {
      batch: [
        {
          type: 'page',
          anonymousId: anon,
          messageId: 'p1',
          context: { page: { url: 'https://shop.test/', search: `?gclid=${g}` } },
        },
        {
          type: 'track',
          event: 'Viewed',
          anonymousId: anon,
          messageId: 't1',
          properties: {},
          context: { page: { referrer: 'https://shop.test/?fbclid=IwAR_from_referrer' } },
        },
        // analytics.js sends `userId: null` before identify.
        { type: 'track', event: 'Nothing', anonymousId: anon, userId: null, messageId: 't2' },
        { type: 'group', groupId: 'acme', anonymousId: anon, messageId: 'g1' },
        { type: 'identify', anonymousId: anon, messageId: 'i1', traits: { email: `pagebatch-${anon}@example.com` } },
      ],
      context: { library: { name: 'analytics-node' } },
    };
    const res = await seg('batch', batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 5, ignored: 2, rejected: [] });
    const email = `pagebatch-${anon}@example.com`;
    await settle(email);
    const p = await person(email);
    expect(p.touches.map((t: any) => t.value).sort()).toEqual([g, 'IwAR_from_referrer'].sort());
    expect((await visitorById(env, anon).state())?.personKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("serves analytics.js's short paths with a publishable key from an allowed origin only", async () => {
    const email = `short-${anonId()}@example.com`;
    const msg = { anonymousId: anonId(), traits: { email }, writeKey: PK, sentAt: new Date().toISOString() };
    const ok = await seg('i', msg, {
      authorization: basic(PK),
      origin: 'http://localhost:3000',
      'content-type': 'text/plain',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    // A publishable key is usable from any browser: its traits stay untrusted.
    expect((await person(email)).attributes).toEqual({ traits: { email } });
    const noOrigin = await seg('i', { ...msg, traits: { email: `x-${email}` } }, { authorization: basic(PK) });
    expect(noOrigin.status).toBe(403);
    const bodyKey = await seg(
      'p',
      { anonymousId: anonId(), writeKey: PK, context: { page: { url: 'https://x.test/' } } },
      { authorization: '', origin: 'http://127.0.0.1:8080' },
    );
    expect(bodyKey.status).toBe(200);
  });

  it('answers at /v1/{type} too, where analytics-node lands when its host is {collector}/segment', async () => {
    const email = `root-${anonId()}@example.com`;
    const res = await call('/v1/batch', {
      method: 'POST',
      headers: { authorization: basic(SK), 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [{ type: 'identify', userId: email, messageId: 'r1' }] }),
    });
    expect(res.status).toBe(200);
    expect(await person(email)).not.toBeNull();
    expect((await call('/v1/nope', { method: 'POST', headers: { authorization: basic(SK) }, body: '{}' })).status).toBe(
      404,
    );
  });

  it('an audience on segment.* (no allowTraits) takes the traits of a secret-key identify, never those of a publishable key', async () => {
    const plan = `ent-${anonId()}`;
    const created = await api('/api/audiences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'segment plan',
        criteria: { field: 'segment.plan', op: 'eq', value: plan },
        timestamp: { field: 'segment.signed_up_at', withinDays: 30 },
      }),
    });
    const audience: any = await created.json();
    expect(created.status, JSON.stringify(audience)).toBe(201);
    try {
      const server = `segaud-sk-${anonId()}@example.com`;
      const browser = `segaud-pk-${anonId()}@example.com`;
      const traits = (email: string) => ({ email, plan, signed_up_at: new Date(Date.now() - DAY).toISOString() });
      expect(
        (await seg('identify', { userId: 'u-sk', traits: traits(server), messageId: `sk-${anonId()}` })).status,
      ).toBe(200);
      expect(
        (
          await seg(
            'i',
            { anonymousId: anonId(), traits: traits(browser), messageId: `pk-${anonId()}` },
            { authorization: basic(PK), origin: SITE },
          )
        ).status,
      ).toBe(200);
      expect((await person(browser)).attributes.traits.plan).toBe(plan);
      const members: any = await (await api(`/api/audiences/${audience.id}/members`)).json();
      expect(members.members.map((m: any) => m.email)).toEqual([server]);
    } finally {
      await api(`/api/audiences/${audience.id}`, { method: 'DELETE' });
    }
  });

  it('answers the CORS preflight analytics.js sends for Authorization', async () => {
    const res = await call('/segment/v1/t', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect((await call('/segment/v1/t', { method: 'OPTIONS', headers: { origin: 'https://evil.test' } })).status).toBe(
      403,
    );
  });

  describe('bad input', () => {
    it('refuses missing or unknown write keys', async () => {
      expect((await seg('identify', { userId: 'a@b.co' }, { authorization: '' })).status).toBe(401);
      expect((await seg('identify', { userId: 'a@b.co' }, { authorization: basic('sk_nope') })).status).toBe(401);
      expect((await seg('identify', { userId: 'a@b.co' }, { authorization: 'Basic !!!' })).status).toBe(401);
    });

    it("enforces Segment's limits: 32 KB a message, 500 KB a batch, 32 KB an event inside it", async () => {
      const big = 'x'.repeat(33 * 1024);
      expect((await seg('track', { anonymousId: 'abcdefgh', event: 'E', properties: { big } })).status).toBe(413);
      const over = await seg('batch', {
        batch: [{ type: 'track', anonymousId: 'abcdefgh', event: 'E', properties: { big } }],
      });
      expect(over.status).toBe(400);
      expect(((await over.json()) as any).error.code).toBe('event_too_large');
      const many = Array.from({ length: 20 }, () => ({
        type: 'track',
        anonymousId: 'abcdefgh',
        event: 'E',
        properties: { p: 'x'.repeat(30 * 1024) },
      }));
      expect((await seg('batch', { batch: many })).status).toBe(413);
    });

    it('rejects malformed messages with 400 and unknown endpoints with 404', async () => {
      expect((await seg('identify', '{"userId":')).status).toBe(400);
      expect((await seg('identify', [1, 2])).status).toBe(400);
      expect((await seg('identify', { type: 'track', userId: 'a@b.co' })).status).toBe(400);
      expect((await seg('batch', { batch: [{ type: 'nope' }] })).status).toBe(400);
      expect((await seg('batch', { batch: 'x' })).status).toBe(400);
      expect((await seg('x', {})).status).toBe(404);
    });
  });
});

describe('Segment Webhooks destination', () => {
  const SECRET = 'dev-segment-webhook-secret';
  async function webhook(body: string, signature?: string) {
    return call('/segment/webhook', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Segment/1.0',
        ...(signature !== undefined ? { 'x-signature': signature } : {}),
      },
      body,
    });
  }

  it('accepts a correctly signed event, computed over the raw bytes', async () => {
    const email = `hook-${anonId()}@example.com`;
    // Spacing a re-serialization would not reproduce: the signature covers these exact bytes.
    const body = `{ "type": "identify",  "userId": "u1", "traits": { "email": "${email}", "plan": "pro" }, "messageId": "wh-1", "context": { "ip": "192.0.2.4" } }`;
    const res = await webhook(body, await hmacSha1Hex(SECRET, body));
    expect(res.status).toBe(200);
    const p = await person(email);
    // The webhook relays what browsers sent to the Segment source too: untrusted.
    expect(p.attributes).toEqual({ traits: { email, plan: 'pro' } });
    // No anonymousId: the visitor's context.ip is kept as a device of its own, never Segment's own IP or country.
    expect(p.devices).toEqual([expect.objectContaining({ ip: '192.0.2.4', userAgent: null, country: null })]);
  });

  it('accepts an Actions batch (an array of events)', async () => {
    const a = `hook-a-${anonId()}@example.com`;
    const b = `hook-b-${anonId()}@example.com`;
    const body = JSON.stringify([
      { type: 'identify', userId: a, messageId: 'wa' },
      { type: 'identify', traits: { email: b }, anonymousId: anonId(), messageId: 'wb' },
    ]);
    const res = await webhook(body, await hmacSha1Hex(SECRET, body));
    expect(await res.json()).toMatchObject({ accepted: 2 });
    expect(await person(a)).not.toBeNull();
    expect(await person(b)).not.toBeNull();
  });

  it('refuses a missing, wrong or stale signature and stores nothing', async () => {
    const email = `hook-bad-${anonId()}@example.com`;
    const body = JSON.stringify({ type: 'identify', userId: email });
    const good = await hmacSha1Hex(SECRET, body);
    for (const sig of [
      undefined,
      '',
      'zz',
      good.replace(/.$/, good.endsWith('0') ? '1' : '0'),
      await hmacSha1Hex('other-secret', body),
    ]) {
      const res = await webhook(body, sig);
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('invalid_signature');
    }
    // Signed for another body.
    expect((await webhook(body.replace('identify', 'identify '), good)).status).toBe(401);
    expect(await person(email)).toBeNull();
  });
});
