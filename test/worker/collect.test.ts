import { describe, expect, it } from 'vitest';
import { api, collect, DAY, gclid, identifyEvent, PK } from './helpers';

async function person(email: string) {
  return api(`/api/people/${encodeURIComponent(email)}`);
}

describe('POST /v1/collect', () => {
  it('stores an identify with its click IDs, values and first-seen times exactly as received', async () => {
    const t0 = Date.now() - 10 * DAY;
    const touches = [
      {
        kind: 'gclid',
        value: 'Cj0KCQiA_MixedCase-123',
        firstSeen: t0,
        lastSeen: t0 + 100_000,
        landingUrl: 'https://site.test/?gclid=Cj0KCQiA_MixedCase-123',
      },
      {
        kind: 'fbclid',
        value: 'IwAR3xYz',
        firstSeen: t0 + 50_000,
        landingUrl: 'https://site.test/b?fbclid=IwAR3xYz',
        raw: 'fb.1.1790000050000.IwAR3xYz',
      },
    ];
    const res = await collect(
      { key: PK, events: [identifyEvent('  Ada@Example.COM ', { traits: { plan: 'pro' }, touches })] },
      { 'cf-connecting-ip': '203.0.113.9', 'user-agent': 'UA/1.0' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(await res.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [],
      token: expect.stringMatching(/^pt1\./),
    });

    const got = await person('ada@example.com');
    expect(got.status).toBe(200);
    const body = (await got.json()) as any;
    expect(body.email).toBe('ada@example.com');
    expect(body.attributes.traits).toEqual({ plan: 'pro' });
    expect(body.touches).toEqual([
      {
        kind: 'gclid',
        value: 'Cj0KCQiA_MixedCase-123',
        firstSeen: t0,
        lastSeen: t0 + 100_000,
        landingUrl: touches[0].landingUrl,
        referrer: null,
        raw: null,
      },
      {
        kind: 'fbclid',
        value: 'IwAR3xYz',
        firstSeen: t0 + 50_000,
        lastSeen: t0 + 50_000,
        landingUrl: touches[1].landingUrl,
        referrer: null,
        raw: 'fb.1.1790000050000.IwAR3xYz',
      },
    ]);
    expect(body.devices).toMatchObject([{ anonymousId: 'anon_test_0001', ip: '203.0.113.9', userAgent: 'UA/1.0' }]);
  });

  it('merges touches keeping the earliest first-seen and the latest last-seen', async () => {
    const email = 'merge@example.com';
    const g = gclid();
    const t = Date.now() - DAY;
    await collect({
      key: PK,
      events: [
        identifyEvent(email, {
          touches: [{ kind: 'gclid', value: g, firstSeen: t + 2000, landingUrl: 'https://s.test/late' }],
        }),
      ],
    });
    await collect({
      key: PK,
      events: [
        identifyEvent(email, {
          touches: [
            { kind: 'gclid', value: g, firstSeen: t + 1000, lastSeen: t + 1500, landingUrl: 'https://s.test/early' },
          ],
        }),
      ],
    });
    const body = (await (await person(email)).json()) as any;
    expect(body.touches).toEqual([
      {
        kind: 'gclid',
        value: g,
        firstSeen: t + 1000,
        lastSeen: t + 2000,
        landingUrl: 'https://s.test/early',
        referrer: null,
        raw: null,
      },
    ]);
  });

  it('deduplicates a retried message id', async () => {
    const event = identifyEvent('dup@example.com', { traits: { n: 1 } });
    expect(await (await collect({ key: PK, events: [event] })).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await (await collect({ key: PK, events: [{ ...event, traits: { n: 2 } }] })).json()).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    const body = (await (await person('dup@example.com')).json()) as any;
    expect(body.attributes.traits).toEqual({ n: 1 });
  });

  it('stores no click IDs when the browser sends Global Privacy Control', async () => {
    const res = await collect(
      {
        key: PK,
        events: [
          identifyEvent('gpc@example.com', { touches: [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }] }),
        ],
      },
      { 'sec-gpc': '1' },
    );
    expect(res.status).toBe(200);
    const body = (await (await person('gpc@example.com')).json()) as any;
    expect(body.touches).toEqual([]);
  });

  it('answers a CORS preflight from an allowed origin only', async () => {
    const { call } = await import('./helpers');
    const ok = await call('/v1/collect', {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    const bad = await call('/v1/collect', { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
    expect(bad.status).toBe(403);
  });

  describe('bad input gets a 4xx JSON error and writes nothing', () => {
    const cases: [string, () => Promise<Response>, number, string, string][] = [
      [
        'malformed JSON',
        () => collect('{"key": "pk_dev_local", "events": [', {}),
        400,
        'invalid_json',
        'bad-json@example.com',
      ],
      [
        'unknown publishable key',
        () => collect({ key: 'pk_nope', events: [identifyEvent('bad-key@example.com')] }),
        401,
        'invalid_key',
        'bad-key@example.com',
      ],
      [
        'unknown field',
        () => collect({ key: PK, events: [identifyEvent('bad-field@example.com', { admin: true })] }),
        400,
        'invalid_event',
        'bad-field@example.com',
      ],
      [
        'unknown envelope field',
        () => collect({ key: PK, events: [identifyEvent('bad-env@example.com')], extra: 1 }),
        400,
        'invalid_request',
        'bad-env@example.com',
      ],
      [
        'disallowed origin',
        () => collect({ key: PK, events: [identifyEvent('bad-origin@example.com')] }, { origin: 'https://evil.test' }),
        403,
        'origin_not_allowed',
        'bad-origin@example.com',
      ],
      [
        'missing origin',
        () => collect({ key: PK, events: [identifyEvent('no-origin@example.com')] }, { origin: '' }),
        403,
        'origin_not_allowed',
        'no-origin@example.com',
      ],
      [
        'invalid email',
        () => collect({ key: PK, events: [identifyEvent('not-an-email')] }),
        400,
        'invalid_event',
        'not-an-email@x.y',
      ],
      [
        'missing email',
        () => collect({ key: PK, events: [{ ...identifyEvent('x@y.z'), email: undefined }] }),
        400,
        'invalid_event',
        'x@y.z',
      ],
      [
        'body over 64 KB',
        () =>
          collect({ key: PK, events: [identifyEvent('big@example.com', { traits: { blob: 'x'.repeat(70_000) } })] }),
        413,
        'payload_too_large',
        'big@example.com',
      ],
      [
        'wrong content type',
        () => collect('key=pk', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
        'form@example.com',
      ],
    ];
    for (const [name, send, status, code, email] of cases) {
      it(name, async () => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain('application/json');
        const body = (await res.json()) as any;
        expect(body.error.code).toBe(code);
        expect(typeof body.error.message).toBe('string');
        expect((await person(email)).status).toBe(404);
      });
    }
  });

  it('stores the good events of a batch and names the bad ones', async () => {
    const good = identifyEvent('good@example.com');
    const res = await collect({ key: PK, events: [good, { type: 'identify', email: 'nope' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.accepted).toBe(1);
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]).toMatchObject({ index: 1, code: 'invalid_event' });
    expect((await person('good@example.com')).status).toBe(200);
  });
});
