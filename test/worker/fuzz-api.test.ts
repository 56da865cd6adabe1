// fast-check over the rest of the public surface: the signed Segment webhook, the admin API (audience
// criteria language, destinations, keys, people and job lookups) and hostile shapes (huge arrays,
// deep nesting, __proto__ keys) on every JSON endpoint. No 5xx, nothing changed by a refused request,
// no prototype pollution. FUZZ_RUNS sets the cases per property (scripts/fuzz.mjs: 10,000).
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OPERATORS } from '../../shared/criteria';
import {
  fastApi as api,
  fastCall as call,
  fastPerson as person,
  fuzzRuns,
  fuzzTimeout,
  printRequests,
  prototypeClean,
  randomIp,
  settleWaitUntil,
} from './fuzz-runs';
import { env, PK, SITE, SK } from './helpers';

const RUNS = fuzzRuns(25);
const opts = { numRuns: RUNS, endOnFailure: true };
const TIMEOUT = fuzzTimeout(RUNS) * 3;
const POOL = ['fuzz-api-a@example.com', 'fuzz-api-b@example.com'];

afterEach(async () => {
  await settleWaitUntil();
  expect(prototypeClean()).toBe(true);
});
afterAll(() => printRequests('fuzz-api.test.ts', RUNS));

const polluting = fc
  .constantFrom(
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":{"__proto__":{"polluted":1}}}',
  )
  .map((t) => JSON.parse(t) as unknown);
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 60 }),
  fc.constant(null),
  fc.double(),
  polluting,
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);

function mutate(base: Record<string, unknown>, key: string, value: unknown) {
  const copy: Record<string, unknown> = { ...base };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

const send = (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
  api(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function hex(alg: 'SHA-1', key: string, body: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: alg }, false, [
    'sign',
  ]);
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(body)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

// The criteria language: trees of all / any / not over conditions, with junk where anything may go.
const field = fc.oneof(
  fc.constantFrom(
    'crm.lifecycle',
    'crm.score',
    'crm.mql_at',
    'traits.plan',
    'crm.a.b.c',
    '__proto__.x',
    'crm.constructor',
    'crm..x',
    '',
  ),
  fc.string({ maxLength: 30 }),
);
const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 5 }),
  junk,
);
const criteria = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4 },
    fc.record(
      { field, op: fc.oneof(fc.constantFrom(...OPERATORS), fc.string({ maxLength: 8 })), value },
      { requiredKeys: ['field', 'op'] },
    ),
    fc.record({ all: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ not: tie('node') }),
    junk,
  ),
})).node;
const timestamp = fc.oneof(
  fc.record({
    field: fc.constantFrom('crm.mql_at', 'crm.x'),
    withinDays: fc.oneof(fc.integer({ min: -5, max: 120 }), junk),
  }),
  junk,
);

describe('fuzz: admin API', () => {
  it(
    'POST /api/audiences with generated criteria: 201 or 4xx, and a refusal creates nothing',
    async () => {
      const count = async () =>
        (((await (await api('/api/audiences')).json()) as { audiences: unknown[] }).audiences ?? []).length;
      await fc.assert(
        fc.asyncProperty(
          criteria,
          timestamp,
          fc.constantFrom('name', 'criteria', 'timestamp', 'reEntry', 'trustBrowserTraits', 'paused', 'none'),
          junk,
          async (c, ts, f, v) => {
            const body =
              f === 'none'
                ? { name: 'fuzz', criteria: c, timestamp: ts }
                : mutate({ name: 'fuzz', criteria: c, timestamp: ts }, f, v);
            const before = await count();
            const res = await send('/api/audiences', 'POST', body);
            expect(res.status, JSON.stringify(body).slice(0, 300)).toBeLessThan(500);
            const out = (await res.json()) as any;
            if (res.status === 201) {
              expect((await api(`/api/audiences/${out.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
            } else {
              expect(out.error.code).toBeTypeOf('string');
              expect(await count()).toBe(before);
            }
          },
        ),
        opts,
      );
    },
    TIMEOUT,
  );

  it(
    'destinations: POST and PATCH with mutated bodies; a refused PATCH changes nothing',
    async () => {
      const base = {
        type: 'meta',
        name: 'Fuzz',
        mode: 'dry_run',
        settings: { pixelId: '1234567', accessToken: 'EAAfuzz-token-0000000' },
      };
      const created = await send('/api/destinations', 'POST', base);
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const snapshot = async () => JSON.stringify(await (await api(`/api/destinations/${id}`)).json());
      // Accepted POSTs each make a Durable Object: keep them few (local workerd holds every one open).
      let made = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('type', 'name', 'mode', 'settings', 'endpoint', 'tokenEndpoint', 'paused', 'extra'),
          junk,
          fc.constantFrom('pixelId', 'accessToken', 'testEventCode', 'x'),
          junk,
          async (f, v, sf, sv) => {
            const before = await snapshot();
            const patch = mutate({ name: 'Fuzz' }, f, v);
            const res = await send(
              `/api/destinations/${id}`,
              'PATCH',
              f === 'settings' ? { settings: mutate(base.settings, sf, sv) } : patch,
            );
            expect(res.status).toBeLessThan(500);
            const text = await res.text();
            expect(text).not.toContain('EAAfuzz-token-0000000');
            if (res.status >= 400) expect(await snapshot()).toBe(before);
            if (made < 50) {
              const post = await send('/api/destinations', 'POST', mutate(base, f, v));
              expect(post.status).toBeLessThan(500);
              if (post.status === 201) made++;
              await post.body?.cancel();
            }
          },
        ),
        opts,
      );
    },
    TIMEOUT,
  );

  it(
    'POST /api/keys, and lookups with junk ids, queries and cursors',
    async () => {
      const keyCount = async () => (((await (await api('/api/keys')).json()) as { keys: unknown[] }).keys ?? []).length;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('type', 'scope', 'name', 'origins', 'extra'),
          junk,
          fc.string({ maxLength: 80 }),
          async (f, v, s) => {
            const before = await keyCount();
            const res = await send(
              '/api/keys',
              'POST',
              mutate({ type: 'publishable', name: 'fuzz', origins: 'not-a-list' }, f, v),
            );
            expect(res.status).toBeLessThan(500);
            const out = (await res.json()) as any;
            if (res.status === 201)
              expect((await api(`/api/keys/${out.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
            else expect(await keyCount()).toBe(before);
            const q = encodeURIComponent(s);
            for (const path of [
              `/api/people?query=${q}&cursor=${q}`,
              `/api/people/${q}`,
              `/api/jobs/${q}`,
              `/api/audiences/${q}`,
              `/api/audiences/${q}/members?cursor=${q}`,
              `/api/destinations/${q}/conversions?status=${q}&before=${q}&limit=${q}`,
            ]) {
              const r = await api(path);
              expect(r.status, path).toBeLessThan(500);
              await r.body?.cancel();
            }
          },
        ),
        opts,
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: signed Segment webhook', () => {
  it(
    'correctly signed junk never yields a 5xx, and a refused message changes no one',
    async () => {
      const secret = env.SEGMENT_WEBHOOK_SECRET!;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...POOL),
          fc.constantFrom(
            'type',
            'userId',
            'anonymousId',
            'traits',
            'context',
            'messageId',
            'timestamp',
            'properties',
            'event',
          ),
          junk,
          fc.constantFrom('identify', 'track', 'page', 'alias', 'group'),
          async (e, f, v, type) => {
            const msg = mutate(
              { type, userId: e, traits: { email: e }, messageId: `m-${Math.random()}`, anonymousId: 'anon_fuzz_hook' },
              f,
              v,
            );
            const body = JSON.stringify(msg);
            const before = JSON.stringify(await person(e));
            const res = await call('/segment/webhook', {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'cf-connecting-ip': randomIp(),
                'x-signature': await hex('SHA-1', secret, body),
              },
              body,
            });
            expect(res.status, body.slice(0, 200)).toBeLessThan(500);
            await res.body?.cancel();
            if (res.status >= 400) expect(JSON.stringify(await person(e))).toBe(before);
          },
        ),
        opts,
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: every route without the secret or a session', () => {
  // Every /api route and every /admin page, with junk ids, bodies and credentials that are not the
  // secret key or a session: never a 2xx, never a 5xx; admin reads go to the sign-in page. The
  // configuration is compared once per route (nothing here may change it).
  const X = ':x';
  const ROUTES: [string, string][] = [
    ['GET', '/api/people'],
    ['GET', `/api/people/${X}`],
    ['DELETE', `/api/people/${X}`],
    ['POST', `/api/people/${X}/erase`],
    ['DELETE', `/api/people/${X}/suppression`],
    ['GET', '/api/audiences'],
    ['POST', '/api/audiences'],
    ['GET', `/api/audiences/${X}`],
    ['PATCH', `/api/audiences/${X}`],
    ['DELETE', `/api/audiences/${X}`],
    ['GET', `/api/audiences/${X}/members`],
    ['POST', `/api/audiences/${X}/conversions`],
    ['PATCH', `/api/audiences/${X}/conversions/${X}`],
    ['DELETE', `/api/audiences/${X}/conversions/${X}`],
    ['GET', '/api/destinations'],
    ['POST', '/api/destinations'],
    ['GET', `/api/destinations/${X}`],
    ['PATCH', `/api/destinations/${X}`],
    ['DELETE', `/api/destinations/${X}`],
    ['POST', `/api/destinations/${X}/test`],
    ['GET', `/api/destinations/${X}/conversions`],
    ['GET', '/api/conversions'],
    ['GET', `/api/conversions/${X}`],
    ['POST', `/api/conversions/${X}/retry`],
    ['GET', '/api/keys'],
    ['POST', '/api/keys'],
    ['POST', `/api/keys/${X}/rotate`],
    ['POST', `/api/keys/${X}/revoke`],
    ['DELETE', `/api/keys/${X}`],
    ['GET', '/api/ladders'],
    ['POST', '/api/ladders'],
    ['GET', `/api/ladders/${X}`],
    ['PATCH', `/api/ladders/${X}`],
    ['DELETE', `/api/ladders/${X}`],
    ['POST', `/api/ladders/${X}/send`],
    ['GET', '/admin/ladders'],
    ['GET', '/admin/ladders/new'],
    ['POST', '/admin/ladders/new/template'],
    ['POST', '/admin/ladders/new/audiences'],
    ['GET', `/admin/ladders/${X}`],
    ['POST', `/admin/ladders/${X}/delete`],
    ['POST', `/admin/ladders/${X}/send`],
    ['GET', `/api/jobs/${X}`],
    ['GET', '/api/alerts'],
    ['PUT', '/api/alerts'],
    ['POST', '/api/alerts/test'],
    ['GET', '/api/install'],
    ['GET', '/api/identity-mapping'],
    ['PUT', '/api/identity-mapping'],
    ['POST', '/api/identity-mapping/preview'],
    ['GET', '/admin/identity'],
    ['POST', '/admin/identity'],
    ['GET', '/api/coverage'],
    ['GET', '/admin'],
    ['GET', '/admin/overview'],
    ['GET', '/admin/people'],
    ['GET', `/admin/people/${X}`],
    ['POST', `/admin/people/${X}/erase`],
    ['POST', '/admin/people/upload'],
    ['GET', '/admin/audiences'],
    ['POST', '/admin/audiences/new'],
    ['GET', `/admin/audiences/${X}`],
    ['POST', `/admin/audiences/${X}/edit`],
    ['POST', `/admin/audiences/${X}/delete`],
    ['GET', '/admin/destinations'],
    ['POST', `/admin/destinations/new/${X}`],
    ['GET', `/admin/destinations/${X}`],
    ['POST', `/admin/destinations/${X}/test`],
    ['GET', '/admin/conversions'],
    ['POST', '/admin/conversions/retry'],
    ['GET', '/admin/keys'],
    ['POST', '/admin/keys/publishable'],
    ['POST', '/admin/keys/secret'],
    ['POST', `/admin/keys/${X}/revoke`],
    ['POST', '/admin/keys/origins'],
    ['GET', '/admin/install'],
    ['GET', '/admin/change-log'],
    ['GET', '/admin/audit'],
    ['POST', '/admin/sign-out'],
  ];
  const credentials = fc.oneof(
    fc.constant({} as Record<string, string>),
    fc.constant({ authorization: `Bearer ${PK}` }),
    fc.constant({ authorization: `Basic ${btoa(`${PK}:`)}` }),
    fc.string({ maxLength: 60 }).map((k) => ({ authorization: `Bearer ${k.replace(/[^\x21-\x7e]/g, '')}` })),
    fc.constant({ authorization: `Bearer ${SK}x` }),
    fc.constant({ authorization: `Bearer ${SK.slice(0, -1)}` }),
    fc.string({ maxLength: 80 }).map((v) => ({ cookie: `__Secure-cb_admin=${encodeURIComponent(v)}` })),
    fc.string({ maxLength: 40 }).map((v) => ({ 'x-api-key': v })),
  );
  // The configuration a refused request could take over. People are left out: another fuzz file's
  // accepted upserts land through the queue at any time and would change the list under this check.
  const snapshot = async () =>
    JSON.stringify(
      await Promise.all(
        ['/api/keys', '/api/audiences', '/api/destinations', '/api/alerts', '/api/identity-mapping'].map(async (p) =>
          (await api(p)).json(),
        ),
      ),
    );

  // One property per route, so each gets the full number of cases (they are cheap: refused early).
  for (const [method, template] of ROUTES) {
    it(
      `${method} ${template}: refused (never 2xx, never 5xx), nothing changed`,
      async () => {
        const before = await snapshot();
        await fc.assert(
          fc.asyncProperty(
            fc.string({ maxLength: 40 }),
            credentials,
            junk,
            fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
            async (id, creds, body, type) => {
              const path = template.replaceAll(X, encodeURIComponent(id) || 'x');
              const res = await call(path, {
                method,
                redirect: 'manual',
                headers: { ...creds, 'content-type': type, origin: SITE, 'cf-connecting-ip': randomIp() },
                body: method === 'GET' ? undefined : typeof body === 'string' ? body : (JSON.stringify(body) ?? ''),
              });
              const where = `${method} ${path} ${JSON.stringify(creds)}`;
              expect(res.status, where).toBeLessThan(500);
              expect(res.status >= 200 && res.status < 300, `${where} answered ${res.status}`).toBe(false);
              if (res.status >= 300 && res.status < 400)
                expect(res.headers.get('location'), where).toMatch(/\/admin\/sign-in/);
              expect(res.headers.get('set-cookie') ?? '', where).not.toMatch(/__Secure-cb_admin=[^;]+/);
              await res.body?.cancel();
            },
          ),
          opts,
        );
        // Checked once per route: no refused request may have changed anything.
        expect(await snapshot()).toBe(before);
      },
      TIMEOUT,
    );
  }
});

describe('hostile shapes on every JSON endpoint', { timeout: 120_000 }, () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const endpoints: { path: string; headers: Record<string, string> }[] = [
    { path: '/v1/collect', headers: { origin: SITE, 'content-type': 'text/plain' } },
    { path: '/v1/people', headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' } },
    { path: '/v1/identify', headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' } },
    {
      path: '/segment/v1/batch',
      headers: { authorization: `Basic ${btoa(`${SK}:`)}`, 'content-type': 'application/json' },
    },
    {
      path: '/segment/v1/identify',
      headers: { authorization: `Basic ${btoa(`${PK}:`)}`, origin: SITE, 'content-type': 'application/json' },
    },
    { path: '/api/audiences', headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' } },
    { path: '/api/destinations', headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' } },
    { path: '/api/keys', headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' } },
    {
      path: '/api/identity-mapping/preview',
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
    },
  ];
  const bodies: [string, () => string][] = [
    ['20 MB string', () => JSON.stringify({ key: PK, events: ['x'.repeat(20 * 1024 * 1024)] })],
    [
      'a million-element array',
      () =>
        JSON.stringify({
          key: PK,
          events: new Array(1_000_000).fill(0),
          people: new Array(1_000_000).fill(0),
          batch: new Array(1_000_000).fill(0),
        }),
    ],
    ['arrays nested 100,000 deep', () => deep(100_000)],
    ['objects nested 50,000 deep', () => deepObject(50_000)],
    [
      'events nested 5,000 deep inside a valid shape',
      () =>
        `{"key":"${PK}","events":[{"type":"identify","messageId":"m1","anonymousId":"anon_deep_0001","email":"deep@example.com","traits":${deepObject(5_000)},"touches":[]}],"people":[{"email":"deep@example.com","source":"crm","attributes":${deepObject(5_000)}}],"name":"deep","criteria":${'{"not":'.repeat(5_000)}{"field":"crm.a","op":"exists"}${'}'.repeat(5_000)}}`,
    ],
    [
      '__proto__ keys everywhere',
      () =>
        `{"__proto__":{"polluted":1},"key":"${PK}","events":[{"__proto__":{"polluted":1},"type":"identify","messageId":"m2","anonymousId":"anon_proto_001","email":"proto@example.com","traits":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}},"touches":[]}],"people":[{"email":"proto@example.com","source":"crm","attributes":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}]}`,
    ],
  ];

  for (const [label, make] of bodies) {
    it(`${label}: 2xx or 4xx, never 5xx, prototype untouched`, async () => {
      const body = make();
      for (const e of endpoints) {
        const res = await call(e.path, {
          method: 'POST',
          headers: { ...e.headers, 'cf-connecting-ip': randomIp() },
          body,
        });
        expect(res.status, `${e.path}: ${label}`).toBeLessThan(500);
        await res.body?.cancel();
      }
      expect(prototypeClean()).toBe(true);
    });
  }

  it('bodies over the limits are refused with 413 before they are read whole', async () => {
    const big = 'x'.repeat(21 * 1024 * 1024);
    for (const e of endpoints) {
      const res = await call(e.path, {
        method: 'POST',
        headers: { ...e.headers, 'cf-connecting-ip': randomIp() },
        body: big,
      });
      expect(res.status, e.path).toBe(413);
      await res.body?.cancel();
    }
  });

  it('__proto__ and constructor keys are stored as plain data or dropped, never as a prototype', async () => {
    const p = await person('proto@example.com');
    if (p) {
      for (const attrs of [p.traits, p.attributes?.traits, p.attributes?.crm]) {
        if (!attrs) continue;
        expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
        expect((attrs as Record<string, unknown>).polluted).toBeUndefined();
      }
    }
    expect(prototypeClean()).toBe(true);
  });
});
