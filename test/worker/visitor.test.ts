import { exports } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { anonId, env, collect, DAY, gclid, identifyEvent, person, PK, settle, touchEvent } from './helpers';
import { visitorById } from '../../collector/objects/doors';

function fbclidTouch(value = `IwAR${Math.random().toString(36).slice(2, 12)}`, firstSeen = Date.now() - DAY) {
  return { kind: 'fbclid', value, firstSeen, raw: `fb.1.${firstSeen}.${value}` };
}

describe('touch events and the VisitorObject', () => {
  it('stores touches of an unidentified browser in its visitor, then merges them into the person on identify', async () => {
    const anon = anonId();
    const g = gclid('v');
    const t = Date.now() - 2 * DAY;
    const res = await collect({
      key: PK,
      events: [
        touchEvent(anon, [
          { kind: 'gclid', value: g, firstSeen: t, landingUrl: 'https://s.test/?gclid=' + g },
          fbclidTouch('IwAR_visitor_1', t + 5),
        ]),
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const visitor = visitorById(env, anon);
    expect((await visitor.state())?.touches.map((x) => x.value)).toEqual([g, 'IwAR_visitor_1']);
    expect((await visitor.state())?.personKey).toBeNull();

    const email = `visitor-${anon}@example.com`;
    const id = await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] });
    expect(id.status).toBe(200);
    await settle(email);
    const p = await person(email);
    expect(p.touches).toMatchObject([
      { kind: 'gclid', value: g, firstSeen: t, landingUrl: 'https://s.test/?gclid=' + g },
      { kind: 'fbclid', value: 'IwAR_visitor_1', raw: `fb.1.${t + 5}.IwAR_visitor_1` },
    ]);
    // The visitor now points at the person: later touches from that browser go straight there.
    expect((await visitor.state())?.personKey).toMatch(/^[0-9a-f]{64}$/);
    const later = gclid('later');
    await collect({ key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: later, firstSeen: Date.now() }])] });
    expect((await person(email)).touches.map((x: any) => x.value)).toContain(later);
    expect((await visitor.state())?.touches.map((x) => x.value)).not.toContain(later);
  });

  it('sends touches carrying a valid person token straight to the person; a forged token falls back to the visitor', async () => {
    const email = `token-${anonId()}@example.com`;
    const anon = anonId();
    const { token } = (await (
      await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] })
    ).json()) as any;
    expect(token).toMatch(/^pt1\.[0-9a-f]{64}\.[0-9a-z]+\.[0-9a-f]{64}$/);
    expect(token).not.toContain(email);

    const other = anonId(); // a new browser storage, same token
    const g = gclid('tok');
    expect(
      (
        await collect({
          key: PK,
          events: [touchEvent(other, [{ kind: 'gclid', value: g, firstSeen: Date.now() }], { token })],
        })
      ).status,
    ).toBe(200);
    const p = await person(email);
    expect(p.touches.map((x: any) => x.value)).toEqual([g]);
    expect(p.devices.map((d: any) => d.anonymousId)).toContain(other);
    expect(await visitorById(env, other).state()).toBeNull();

    const forged = token.slice(0, -4) + (token.endsWith('0000') ? '1111' : '0000');
    const g2 = gclid('forged');
    const third = anonId();
    expect(
      (
        await collect({
          key: PK,
          events: [touchEvent(third, [{ kind: 'gclid', value: g2, firstSeen: Date.now() }], { token: forged })],
        })
      ).status,
    ).toBe(200);
    expect((await person(email)).touches.map((x: any) => x.value)).not.toContain(g2);
    expect((await visitorById(env, third).state())?.touches.map((x) => x.value)).toEqual([g2]);
  });

  it('deduplicates touch events by message id', async () => {
    const anon = anonId();
    const event = touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }]);
    expect(await (await collect({ key: PK, events: [event] })).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await (await collect({ key: PK, events: [event] })).json()).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('stores nothing for a touch event with denied consent or Global Privacy Control', async () => {
    const a = anonId();
    const b = anonId();
    await collect({
      key: PK,
      events: [
        touchEvent(a, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }], {
          context: { consent: { ads: 'denied' } },
        }),
      ],
    });
    await collect(
      { key: PK, events: [touchEvent(b, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])] },
      { 'sec-gpc': '1' },
    );
    expect(await visitorById(env, a).state()).toBeNull();
    expect(await visitorById(env, b).state()).toBeNull();
  });

  it('forgets a visitor that never identifies 90 days after its last activity', async () => {
    const anon = anonId();
    await collect({ key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])] });
    const visitor = visitorById(env, anon);
    const alarm = await runInDurableObject(visitor, (_o, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 89 * DAY);
    expect(alarm).toBeLessThan(Date.now() + 91 * DAY);
    expect(await runDurableObjectAlarm(visitor)).toBe(true);
    expect(await visitor.state()).toBeNull();
  });

  it('rejects unknown kinds, wrong case, click IDs failing the format check and touch events without touches', async () => {
    const anon = anonId();
    const bad = [
      touchEvent(anon, [{ kind: 'GCLID', value: gclid(), firstSeen: Date.now() }]),
      touchEvent(anon, [{ kind: 'yclid', value: gclid(), firstSeen: Date.now() }]),
      touchEvent(anon, [{ kind: 'gclid', value: 'has space <x>', firstSeen: Date.now() }]),
      touchEvent(anon, [{ kind: 'msclkid', value: 'not-hex-zzzz', firstSeen: Date.now() }]),
      touchEvent(anon, []),
      touchEvent(anon, [{ kind: 'fbclid', value: 'IwAR12345', firstSeen: Date.now(), raw: 'has space' }]),
    ];
    const good = touchEvent(anon, [{ kind: 'fbp', value: 'fb.1.1790000000000.1234567890', firstSeen: Date.now() }]);
    const res = await collect({ key: PK, events: [...bad, good] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of body.rejected) expect(r.code).toBe('invalid_event');
    expect((await visitorById(env, anon).state())?.touches.map((x) => x.kind)).toEqual(['fbp']);
  });

  it('drops touches older than 90 days', async () => {
    const anon = anonId();
    const email = `old-${anon}@example.com`;
    const fresh = gclid('fresh');
    await collect({
      key: PK,
      events: [
        identifyEvent(email, {
          anonymousId: anon,
          touches: [
            { kind: 'gclid', value: gclid('old'), firstSeen: Date.now() - 91 * DAY },
            { kind: 'gclid', value: fresh, firstSeen: Date.now() - 89 * DAY },
          ],
        }),
      ],
    });
    expect((await person(email)).touches.map((x: any) => x.value)).toEqual([fresh]);
  });
});

describe('the _cb_aid first-party cookie', () => {
  const SAME_SITE = 'http://localhost:3000';
  function sameSiteCollect(body: unknown, headers: Record<string, string> = {}) {
    return exports.default.fetch(
      new Request(`${SAME_SITE}/v1/collect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: SAME_SITE, 'sec-fetch-site': 'same-origin', ...headers },
        body: JSON.stringify(body),
      }),
    );
  }

  it('is set HttpOnly when the collector shares the site, and not cross-site', async () => {
    const anon = anonId();
    const res = await sameSiteCollect({
      key: PK,
      events: [touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])],
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`_cb_aid=${anon}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=34560000/);
    const cross = await collect(
      { key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])] },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(cross.headers.get('set-cookie')).toBeNull();
  });

  it('is not set under Global Privacy Control or when the batch denies ads consent', async () => {
    const denied = await sameSiteCollect({
      key: PK,
      events: [
        identifyEvent(`denied-${anonId()}@example.com`, {
          anonymousId: anonId(),
          context: { consent: { ads: 'denied' } },
        }),
      ],
    });
    expect(denied.status).toBe(200);
    expect(denied.headers.get('set-cookie')).toBeNull();
    const gpc = await sameSiteCollect(
      { key: PK, events: [identifyEvent(`gpc-${anonId()}@example.com`, { anonymousId: anonId() })] },
      { 'sec-gpc': '1' },
    );
    expect(gpc.status).toBe(200);
    expect(gpc.headers.get('set-cookie')).toBeNull();
    const granted = await sameSiteCollect({
      key: PK,
      events: [
        identifyEvent(`granted-${anonId()}@example.com`, {
          anonymousId: anonId(),
          context: { consent: { ads: 'granted' } },
        }),
      ],
    });
    expect(granted.headers.get('set-cookie')).toContain('_cb_aid=');
  });

  it('links a browser whose script storage was cleared: the cookie visitor is merged on identify', async () => {
    const old = anonId();
    const g = gclid('cookie');
    await sameSiteCollect({
      key: PK,
      events: [touchEvent(old, [{ kind: 'gclid', value: g, firstSeen: Date.now() - DAY }])],
    });
    // localStorage cleared: the tag mints a new anonymous id, but the HttpOnly cookie survived.
    const fresh = anonId();
    const email = `cookie-${fresh}@example.com`;
    const res = await sameSiteCollect(
      { key: PK, events: [identifyEvent(email, { anonymousId: fresh })] },
      { cookie: `_cb_aid=${old}` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain(`_cb_aid=${old}`);
    await settle(email);
    const p = await person(email);
    expect(p.touches.map((x: any) => x.value)).toEqual([g]);
    expect((await visitorById(env, old).state())?.personKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores a malformed cookie', async () => {
    const anon = anonId();
    const res = await sameSiteCollect(
      { key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])] },
      { cookie: '_cb_aid=<script>' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain(`_cb_aid=${anon}`);
  });
});
