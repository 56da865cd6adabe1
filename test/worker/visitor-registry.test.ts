import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { personByEmail } from '../../collector/identity';
import { registeredVisitors, visitorShardOf } from '../../collector/visitor-registry';
import { DIRECTORY_SHARDS } from '../../collector/directory';
import { anonId, api, call, collect, env, gclid, identifyEvent, person, PK, settle, SK, touchEvent } from './helpers';
import { visitorById } from '../../collector/objects/doors';

// The registry of visitors that hold touches: an identify asks it instead of opening an empty
// VisitorObject, without ever missing a visitor that stored something.

const deviceLinked = async (email: string, anon: string) =>
  runInDurableObject(
    await personByEmail(env, email),
    (_o, state) =>
      state.storage.sql.exec<{ linked: number }>('SELECT linked FROM devices WHERE anonymous_id = ?', anon).one()
        .linked,
  );

describe('visitor registry', () => {
  it('spreads ids over the directory shards', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => visitorShardOf(`anon_${i}`)));
    expect(shards.size).toBe(DIRECTORY_SHARDS);
  });

  it('an identify from a browser that never sent a touch leaves its visitor unopened and its device unlinked', async () => {
    const anon = anonId();
    const email = `registry-none-${anon}@example.com`;
    expect((await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] })).status).toBe(200);
    await settle(email);
    expect(await deviceLinked(email, anon)).toBe(0);
    expect(await registeredVisitors(env, [anon])).toEqual(new Set());
    expect(await visitorById(env, anon).state()).toBeNull();
  });

  it('touches sent anonymously after such an identify are merged by the next identify from that browser', async () => {
    const anon = anonId();
    const email = `registry-later-${anon}@example.com`;
    await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] });
    await settle(email);
    // The browser lost its person token (storage cleared, same anonymous id from the HttpOnly cookie).
    const g = gclid('after');
    expect(
      (await collect({ key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: g, firstSeen: Date.now() }])] }))
        .status,
    ).toBe(200);
    expect(await registeredVisitors(env, [anon])).toEqual(new Set([anon]));
    expect((await person(email)).touches.map((t: any) => t.value)).not.toContain(g);
    await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] });
    await settle(email);
    expect((await person(email)).touches.map((t: any) => t.value)).toContain(g);
    expect(await deviceLinked(email, anon)).toBe(1);
  });

  it('a Segment page with click IDs that names a known person goes to the person, not to a visitor', async () => {
    const anon = `seg-${anonId()}`;
    const email = `registry-seg-${anon}@example.com`;
    const basic = `Basic ${btoa(`${SK}:`)}`;
    const segment = (path: string, body: unknown) =>
      call(`/segment/v1/${path}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await segment('identify', { type: 'identify', anonymousId: anon, userId: email, traits: { email } })).status,
    ).toBe(200);
    await settle(email);
    const g = gclid('segpage');
    expect(
      (
        await segment('page', {
          type: 'page',
          anonymousId: anon,
          userId: email,
          context: { page: { url: `https://s.test/?gclid=${g}` } },
        })
      ).status,
    ).toBe(200);
    expect((await person(email)).touches.map((t: any) => t.value)).toContain(g);
    expect(await registeredVisitors(env, [anon])).toEqual(new Set());
  });

  it('erasure forgets the browsers of the person in the registry too', async () => {
    const anon = anonId();
    const email = `registry-erase-${anon}@example.com`;
    await collect({
      key: PK,
      events: [touchEvent(anon, [{ kind: 'gclid', value: gclid('erase'), firstSeen: Date.now() }])],
    });
    await collect({ key: PK, events: [identifyEvent(email, { anonymousId: anon })] });
    await settle(email);
    expect(await deviceLinked(email, anon)).toBe(1);
    expect((await api(`/api/people/${encodeURIComponent(email)}`, { method: 'DELETE' })).status).toBe(200);
    expect(await registeredVisitors(env, [anon])).toEqual(new Set());
  });
});
