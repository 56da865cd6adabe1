import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { visitorById } from '../../collector/objects/doors';
import {
  env as testEnv,
  anonId,
  api,
  call,
  collect,
  createKey,
  DAY,
  gclid,
  person,
  PK,
  settle,
  touchEvent,
} from './helpers';

// POST /v1/identify: a signup handler on the app's backend names the browser by the tag's anonymous
// id (read from the `_cb_ids` cookie); the visitor's click IDs and device go to the person, as the
// browser's own identify would do.
function identify(body: unknown, key?: string): Promise<Response> {
  const headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const init = { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
  return key ? call('/v1/identify', init) : api('/v1/identify', init);
}

const email = (tag: string) => `signup-${tag}-${anonId()}@example.com`;
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15';

async function visitorWithClick(kind = 'gclid', value = gclid('site')) {
  const anon = anonId();
  const firstSeen = Date.now() - 3 * DAY;
  const res = await collect({
    key: PK,
    events: [touchEvent(anon, [{ kind, value, firstSeen, landingUrl: `https://www.example.test/?${kind}=${value}` }])],
  });
  expect(res.status).toBe(200);
  return { anon, value, firstSeen };
}

describe('POST /v1/identify (server-side identify)', () => {
  const logged: string[] = [];
  const spies: { mockRestore(): void }[] = [];
  beforeAll(() => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
      spies.push(
        vi
          .spyOn(console, level)
          .mockImplementation(
            (...a: unknown[]) =>
              void logged.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')),
          ),
      );
  });
  afterAll(() => spies.forEach((s) => s.mockRestore()));

  it('ties the visitor the anonymous id names (click IDs, device) to the person, with trusted traits', async () => {
    const { anon, value, firstSeen } = await visitorWithClick();
    const who = email('anon');
    const res = await identify({
      email: who,
      anonymousId: anon,
      traits: { plan: 'team' },
      context: { ip: '203.0.113.9', userAgent: UA, country: 'US' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ duplicate: false, linked: true, clickIds: 0 });
    await settle(who);
    const p = await person(who);
    expect(p.touches).toMatchObject([{ kind: 'gclid', value, firstSeen }]);
    expect(p.devices).toMatchObject([{ anonymousId: anon, ip: '203.0.113.9', userAgent: UA }]);
    expect(p.attributes.signed_traits).toEqual({ plan: 'team' });
    expect(p.attributes.traits).toBeUndefined();
    // The visitor now points at the person: later touches from that browser go straight to them.
    expect((await visitorById(testEnv, anon).state())?.personKey).toMatch(/^[0-9a-f]{64}$/);
    expect(logged.join('\n')).not.toContain(who);
  });

  it('takes the raw _cb_ids cookie: its anonymous id and click IDs (those the collector never saw too)', async () => {
    const { anon, value } = await visitorWithClick(
      'msclkid',
      `${'a'.repeat(24)}${Math.random().toString(16).slice(2, 10)}`,
    );
    const onlyInCookie = gclid('cookie');
    const t = Date.now() - 2 * DAY;
    const who = email('cookie');
    const res = await identify({ email: who, cookie: `${anon}|gclid*${onlyInCookie}*${t.toString(36)}|bogus*x*1` });
    expect(await res.json()).toEqual({ duplicate: false, linked: true, clickIds: 1 });
    await settle(who);
    const p = await person(who);
    expect(p.touches.map((x: any) => [x.kind, x.value]).sort()).toEqual(
      [
        ['gclid', onlyInCookie],
        ['msclkid', value],
      ].sort(),
    );
    expect(p.touches.find((x: any) => x.kind === 'gclid').firstSeen).toBe(t);
  });

  it("takes the collector's _cb_aid cookie (visitorCookie): the visitor it names is merged beside the browser's new id", async () => {
    const { anon: earlier, value } = await visitorWithClick();
    const fresh = anonId(); // script storage capped: the tag made a new id since
    const who = email('aid');
    expect(await (await identify({ email: who, anonymousId: fresh, visitorCookie: earlier })).json()).toEqual({
      duplicate: false,
      linked: true,
      clickIds: 0,
    });
    await settle(who);
    expect((await person(who)).touches.map((x: any) => x.value)).toEqual([value]);
    // Alone, it names the browser.
    const { anon: only, value: v2 } = await visitorWithClick();
    const who2 = email('aid-only');
    expect(await (await identify({ email: who2, visitorCookie: only })).json()).toMatchObject({ linked: true });
    await settle(who2);
    expect((await person(who2)).touches.map((x: any) => x.value)).toEqual([v2]);
  });

  it('is idempotent: the same body again changes nothing and says so; a messageId names the message that changed something', async () => {
    const { anon } = await visitorWithClick();
    const body = { email: email('again'), anonymousId: anon, traits: { plan: 'pro' } };
    expect(await (await identify(body)).json()).toMatchObject({ duplicate: false });
    expect(await (await identify(body)).json()).toMatchObject({ duplicate: true });
    // A message that changes nothing leaves no record (no write at all), so its id names nothing yet...
    const withId = { ...body, messageId: `signup_${anon}` };
    expect(await (await identify(withId)).json()).toMatchObject({ duplicate: false });
    // ...until a message under it changes something: that one is recorded, and a duplicate from then on.
    const changed = { ...withId, traits: { plan: 'other' } };
    expect(await (await identify(changed)).json()).toMatchObject({ duplicate: false });
    expect(await (await identify(changed)).json()).toMatchObject({ duplicate: true });
    expect(await (await identify({ ...withId, traits: { plan: 'third' } })).json()).toMatchObject({ duplicate: true });
    await settle(body.email);
    expect((await person(body.email)).touches).toHaveLength(1);
  });

  it('respects denied consent: no click ID of the browser (visitor or cookie) is tied, and the person is marked denied', async () => {
    const { anon } = await visitorWithClick();
    const who = email('denied');
    const res = await identify({
      email: who,
      anonymousId: anon,
      cookie: `${anon}|gclid*${gclid('c')}*${Date.now().toString(36)}`,
      context: { consent: { ads: 'denied' }, ip: '203.0.113.7' },
    });
    expect(await res.json()).toEqual({ duplicate: false, linked: false, clickIds: 0 });
    await settle(who);
    const p = await person(who);
    expect(p.touches).toEqual([]);
    expect(p.devices).toEqual([]);
    expect(p.consent).toMatchObject({ ads: 'denied' });
    expect((await visitorById(testEnv, anon).state())?.personKey).toBeNull();
  });

  it("without a browser id keeps the signup request's address and user agent as one device", async () => {
    const who = email('device');
    expect((await identify({ email: who, context: { ip: '2001:db8::1', userAgent: UA } })).status).toBe(200);
    expect((await person(who)).devices).toMatchObject([{ ip: '2001:db8::1', userAgent: UA }]);
  });

  it('rejects bad input with a 4xx JSON error naming the problem, writing nothing', async () => {
    const who = email('bad');
    const cases: [unknown, string][] = [
      [{ anonymousId: 'anon_12345678' }, 'email'],
      [{ email: 'not-an-email' }, 'email'],
      [{ email: who, anonymousId: 'has spaces!' }, 'anonymousId'],
      [{ email: who, context: { ip: '999.1.1.1' } }, 'context.ip'],
      [{ email: who, context: { consent: { ads: 'maybe' } } }, 'context.consent.ads'],
      [{ email: who, userId: 'u1' }, ''],
      [{ email: who, cookie: 'x|y' }, 'cookie'],
      [{ email: who, visitorCookie: 'bad id' }, 'visitorCookie'],
    ];
    for (const [body, path] of cases) {
      const res = await identify(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = (await res.json()) as any;
      expect(error.code).toBe('invalid_request');
      expect(error.issues.map((i: any) => i.path)).toContain(path);
    }
    const malformed = await identify('{"email":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe('invalid_json');
    expect(await person(who)).toBeNull();
  });

  it('needs a secret key with the ingest scope', async () => {
    const body = { email: email('auth') };
    expect((await identify(body, PK)).status).toBe(401);
    expect((await identify(body, 'sk_wrong')).status).toBe(401);
    const { key } = await createKey({ type: 'secret', scope: 'ingest', name: 'signup backend' });
    expect((await identify(body, key)).status).toBe(200);
  });
});
