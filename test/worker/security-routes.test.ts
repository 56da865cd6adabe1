// Every /api route and /admin page refuses without the secret key or a session. The routes are read
// from the Hono app itself, so a route added later is covered without touching this file.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../collector/app';
import { cookieHeader, ORIGIN, signIn } from './admin-helpers';
import { call, collect, createKey, identifyEvent, PK, SITE, SK, upsertPeople, waitForJob } from './helpers';

type Route = { method: string; path: string };

/** Concrete method + path of every handler the app mounts (middleware and wildcards left out). */
function routesOf(): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  for (const r of createApp('').routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const path = r.path
      .replace(/\/:[a-z]+\{[^}]*\}/gi, '/identify')
      .replace(/\/:email/g, '/victim%40example.com')
      .replace(/\/:[a-z]+/gi, '/id_0000000000000000');
    const key = `${r.method} ${path}`;
    if (!seen.has(key)) (out.push({ method: r.method, path }), seen.add(key));
  }
  return out;
}

const ROUTES = routesOf();
const API = ROUTES.filter((r) => r.path.startsWith('/api/') || r.path === '/api');
const ADMIN_PUBLIC = /^\/admin\/(sign-in|assets\/)/;
const ADMIN = ROUTES.filter((r) => (r.path === '/admin' || r.path.startsWith('/admin/')) && !ADMIN_PUBLIC.test(r.path));
const body = (r: Route) => (r.method === 'GET' || r.method === 'HEAD' ? undefined : '{}');

/** The secret key with its last character changed: same length, same prefix. */
const NEAR_SK = SK.slice(0, -1) + (SK.endsWith('l') ? 'x' : 'l');

describe('route enumeration', () => {
  it('finds the API and the admin (so the checks below cannot pass on an empty list)', () => {
    expect(API.length).toBeGreaterThanOrEqual(20);
    expect(ADMIN.length).toBeGreaterThanOrEqual(25);
    expect(API.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/people/victim%40example.com');
    expect(ADMIN.map((r) => `${r.method} ${r.path}`)).toContain('POST /admin/keys/secret');
  });
});

// Each walks every route of the app in turn: under a minute on an idle machine, several when the machine is shared.
describe('every /api route refuses without an admin secret key', { timeout: 240_000 }, () => {
  let ingestKey = '';
  beforeAll(async () => {
    ingestKey = (await createKey({ type: 'secret', scope: 'ingest', name: 'security-routes ingest' })).key;
  });

  const bad: [string, Record<string, string>][] = [
    ['no Authorization', {}],
    ['the publishable key as a bearer', { authorization: `Bearer ${PK}` }],
    ['the publishable key as Basic', { authorization: `Basic ${btoa(`${PK}:`)}` }],
    ['the secret key as Basic', { authorization: `Basic ${btoa(`${SK}:`)}` }],
    ['a near-miss secret key', { authorization: `Bearer ${NEAR_SK}` }],
    ['the secret key with a suffix', { authorization: `Bearer ${SK}x` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    [
      'a session-like cookie',
      { cookie: '__Secure-cb_admin=v1.zzzz.00000000000000000000000000000000.env.' + '0'.repeat(64) },
    ],
  ];

  for (const [label, headers] of bad) {
    it(`with ${label}: 401 JSON on every route`, async () => {
      for (const r of API) {
        const res = await call(r.path, {
          method: r.method,
          headers: { 'content-type': 'application/json', ...headers },
          body: body(r),
        });
        expect(res.status, `${r.method} ${r.path}`).toBe(401);
        expect(((await res.json()) as any).error.code, `${r.method} ${r.path}`).toBe('unauthorized');
      }
    });
  }

  it('an ingest-scoped key is refused everywhere except its own job progress', async () => {
    for (const r of API) {
      const res = await call(r.path, {
        method: r.method,
        headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
        body: body(r),
      });
      // Its own route lets the key through to the job lookup, which finds no such job.
      if (r.path.startsWith('/api/jobs/')) expect([400, 404], `${r.method} ${r.path}`).toContain(res.status);
      else expect(res.status, `${r.method} ${r.path}`).toBe(403);
      await res.body?.cancel();
    }
  });

  it('the query string carries no key', async () => {
    for (const r of API.filter((x) => x.method === 'GET')) {
      const res = await call(`${r.path}?key=${SK}&access_token=${SK}&token=${SK}`);
      expect(res.status, r.path).toBe(401);
      await res.body?.cancel();
    }
  });
});

describe('every /admin page refuses without a session', { timeout: 240_000 }, () => {
  const forged = [
    ['no cookie', ''],
    ['a malformed cookie', '__Secure-cb_admin=admin'],
    [
      'a forged signature',
      `__Secure-cb_admin=v1.${(Date.now() + 3600_000).toString(36)}.${'a'.repeat(32)}.env.${'b'.repeat(64)}`,
    ],
    ['the secret key as the cookie', `__Secure-cb_admin=${SK}`],
  ];
  for (const [label, cookie] of forged) {
    it(`with ${label}: reads go to sign-in, writes are 401`, async () => {
      for (const r of ADMIN) {
        const res = await call(r.path, {
          method: r.method,
          redirect: 'manual',
          headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
          body: r.method === 'GET' ? undefined : 'name=x',
        });
        if (r.method === 'GET') {
          expect(res.status, r.path).toBe(303);
          expect(res.headers.get('location'), r.path).toMatch(/^\/admin\/sign-in\?next=/);
        } else {
          expect(res.status, `${r.method} ${r.path}`).toBe(401);
        }
        await res.body?.cancel();
      }
    });
  }

  it('a session made from another signed session with a later expiry is refused', async () => {
    const { cookies } = await signIn();
    const [v, , nonce, tag, sig] = cookies['__Secure-cb_admin']!.split('.');
    const extended = `${v}.${(Date.now() + 365 * 86_400_000).toString(36)}.${nonce}.${tag}.${sig}`;
    const res = await call('/admin/people', {
      redirect: 'manual',
      headers: { cookie: `__Secure-cb_admin=${extended}` },
    });
    expect(res.status).toBe(303);
  });

  it('with a session, every state change still needs the CSRF token and the admin origin (CSRF)', async () => {
    const { cookies, csrf } = await signIn();
    for (const r of ADMIN.filter((x) => x.method === 'POST')) {
      const noToken = await call(r.path, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookieHeader(cookies), origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=x',
      });
      expect(noToken.status, r.path).toBe(403);
      await noToken.body?.cancel();
      const wrongToken = await call(r.path, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookieHeader(cookies), origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${csrf.slice(0, -1)}${csrf.endsWith('0') ? '1' : '0'}`,
      });
      expect(wrongToken.status, r.path).toBe(403);
      await wrongToken.body?.cancel();
      const crossSite = await call(r.path, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: cookieHeader(cookies),
          origin: 'https://evil.example',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `_csrf=${csrf}`,
      });
      expect(crossSite.status, r.path).toBe(403);
      await crossSite.body?.cancel();
    }
  });
});

describe('the publishable key can write events only', { timeout: 240_000 }, () => {
  it('cannot read any route: every GET outside the public ones refuses it', async () => {
    // The OAuth callback is reached from the CRM's authorize page without the admin's SameSite=Strict
    // session; a sealed, single-use state authorizes it (test/worker/admin-sources.test.ts).
    const PUBLIC = new Set([
      '/healthz',
      '/v1/tag.js',
      '/v1/tag-send.js',
      '/demo',
      '/admin/sign-in',
      '/admin/assets/admin.css',
      '/admin/assets/admin.js',
      '/sources/hubspot/callback',
      '/sources/salesforce/callback',
    ]);
    const gets = ROUTES.filter((r) => r.method === 'GET' && !PUBLIC.has(r.path));
    expect(gets.length).toBeGreaterThanOrEqual(25);
    for (const r of gets) {
      for (const headers of [
        { authorization: `Bearer ${PK}` },
        { authorization: `Basic ${btoa(`${PK}:`)}`, origin: SITE },
      ] as Record<string, string>[]) {
        const res = await call(`${r.path}?key=${PK}`, { redirect: 'manual', headers });
        expect([401, 303], r.path).toContain(res.status);
        await res.body?.cancel();
      }
    }
  });

  it('cannot upsert people or send server-side Segment calls', async () => {
    const res = await upsertPeople(
      { people: [{ email: 'pk-upsert@example.com', source: 'crm', attributes: { a: 1 } }] },
      PK,
    );
    expect(res.status).toBe(401);
    const seg = await call('/segment/v1/identify', {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${PK}:`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'pk-seg@example.com', traits: { email: 'pk-seg@example.com' } }),
    });
    expect([401, 403]).toContain(seg.status);
  });

  it('an identify answers a token and counts, never the person it names', async () => {
    const email = 'pk-reader@example.com';
    const up = await upsertPeople({
      people: [{ email, source: 'crm', attributes: { plan: 'enterprise-secret-plan', owner: 'rep@example.com' } }],
    });
    await waitForJob(((await up.json()) as any).jobId);
    const res = await collect({ key: PK, events: [identifyEvent(email)] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('enterprise-secret-plan');
    expect(text).not.toContain('rep@example.com');
    expect(text).not.toContain(email);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(expect.arrayContaining(['accepted']));
  });
});

describe('origin allow-list for the publishable key', { timeout: 120_000 }, () => {
  const refused = [
    'https://evil.example',
    'http://localhost.evil.example:3000',
    'http://evil.example/http://localhost:3000',
    'null',
    '',
    'http://127.0.0.1.evil.example',
    'https://localhost:3000',
    'http://localhost:3000.evil.example',
    'http://localhost:99999999',
  ];
  it('refuses events from any origin the key does not allow, and stores nothing', async () => {
    for (const origin of refused) {
      const email = `origin-${refused.indexOf(origin)}@example.com`;
      const res = await call('/v1/collect', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ key: PK, events: [identifyEvent(email)] }),
      });
      expect(res.status, origin).toBe(403);
      expect(((await res.json()) as any).error.code).toBe('origin_not_allowed');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const stored = await call(`/api/people/${encodeURIComponent(email)}`, {
        headers: { authorization: `Bearer ${SK}` },
      });
      expect(stored.status, origin).toBe(404);
      await stored.body?.cancel();
    }
  });

  it('answers preflights only for allowed origins', async () => {
    const ok = await call('/v1/collect', {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    for (const origin of refused.filter(Boolean)) {
      const res = await call('/v1/collect', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('a key created for one site is refused from another', async () => {
    const { key } = await createKey({ type: 'publishable', origins: ['https://shop.example'], name: 'shop only' });
    const from = (origin: string) => collect({ key, events: [identifyEvent('shop-visitor@example.com')] }, { origin });
    expect((await from('https://shop.example')).status).toBe(200);
    expect((await from('https://blog.shop.example')).status).toBe(403);
    expect((await from(SITE)).status).toBe(403);
  });
});
