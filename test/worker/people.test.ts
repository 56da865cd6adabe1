import { describe, expect, it } from 'vitest';
import { personKey } from '../../collector/identity';
import type { DirectoryEntry } from '../../collector/objects/person-types';
import { anonId, api, collect, DAY, env, gclid, identifyEvent, person, PK, settle, touchEvent } from './helpers';
import { createAudience, settled } from './audiences-helpers';
import { directoryFor } from '../../collector/objects/doors';

async function list(query: string, cursor?: string, limit?: number): Promise<any> {
  const qs = new URLSearchParams({ query, ...(cursor ? { cursor } : {}), ...(limit ? { limit: String(limit) } : {}) });
  const res = await api(`/api/people?${qs}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('the people directory', () => {
  it('lists people by email prefix, paginated, with their attribute snapshot', async () => {
    const tag = anonId();
    const emails = Array.from({ length: 7 }, (_, i) => `dir-${tag}-${i}@example.com`);
    for (const [i, email] of emails.entries())
      await collect({ key: PK, events: [identifyEvent(email, { traits: { n: i } })] });
    for (const email of emails) await settle(email);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const body = await list(`DIR-${tag}`, cursor, 3);
      expect(body.people.length).toBeLessThanOrEqual(3);
      seen.push(...body.people.map((p: any) => p.email));
      if (!body.cursor) break;
      cursor = body.cursor;
    }
    expect(seen).toEqual([...emails].sort());
    const one = await list(emails[4]!);
    expect(one.people).toEqual([
      {
        email: emails[4],
        createdAt: expect.any(Number),
        updatedAt: expect.any(Number),
        attributes: { traits: { n: 4 } },
      },
    ]);
    expect(one.cursor).toBeNull();
  });

  it('follows every change of the person (newest revision wins)', async () => {
    const email = `dir-change-${anonId()}@example.com`;
    await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'free' } })] });
    await settle(email);
    await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'pro' } })] });
    await settle(email);
    expect((await list(email)).people[0].attributes).toEqual({ traits: { plan: 'pro' } });
    // A late, older revision never overwrites a newer one.
    const key = await personKey(env, email);
    const stale: DirectoryEntry = {
      key,
      email,
      createdAt: 1,
      updatedAt: 1,
      rev: 1,
      attributes: { traits: { plan: 'stale' } },
    };
    expect(await directoryFor(env, key).upsert(stale)).toBe('stale');
    expect((await list(email)).people[0].attributes).toEqual({ traits: { plan: 'pro' } });
  });

  it('rejects a cursor it did not issue', async () => {
    const res = await api('/api/people?cursor=%%%');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('invalid_cursor');
  });
});

describe('GET /api/people/{email}', () => {
  it('shows attributes by source with update times, touches, devices and (empty) memberships and conversions', async () => {
    const email = `show-${anonId()}@example.com`;
    const g = gclid();
    await collect(
      {
        key: PK,
        events: [
          identifyEvent(email, {
            traits: { plan: 'pro' },
            touches: [{ kind: 'gclid', value: g, firstSeen: Date.now() }],
          }),
        ],
      },
      { 'cf-connecting-ip': '198.51.100.7' },
    );
    const p = await person(email);
    expect(p.email).toBe(email);
    expect(p.sources).toEqual([{ source: 'traits', attributes: { plan: 'pro' }, updatedAt: expect.any(Number) }]);
    expect(p.attributeUpdatedAt.traits).toBeGreaterThan(0);
    expect(p.touches[0].value).toBe(g);
    expect(p.devices[0]).toMatchObject({ anonymousId: 'anon_test_0001', ip: '198.51.100.7' });
    expect(p.memberships).toEqual([]);
    expect(p.conversions).toEqual([]);
  });
});

describe('DELETE /api/people/{email} (erasure)', () => {
  it('removes the person, the directory row and the visitors; a later read is 404 and a later identify is refused', async () => {
    const anon = anonId();
    const email = `erase-${anon}@example.com`;
    await collect({ key: PK, events: [touchEvent(anon, [{ kind: 'gclid', value: gclid(), firstSeen: Date.now() }])] });
    await collect({
      key: PK,
      events: [
        identifyEvent(email, {
          anonymousId: anon,
          traits: { plan: 'pro', erase_run: anon, erase_at: new Date(Date.now() - DAY).toISOString() },
        }),
      ],
    });
    await settle(email);
    expect((await list(email)).people).toHaveLength(1);
    // A member of an audience (its populate done, so nothing writes the members index behind the erasure).
    const audience = await createAudience({
      name: 'erasure',
      criteria: { field: 'traits.erase_run', op: 'eq', value: anon },
      timestamp: { field: 'traits.erase_at', withinDays: 7 },
      allowTraits: true,
    });
    expect((await settled(audience.id)).members).toBe(1);

    const res = await api(`/api/people/${encodeURIComponent(email.toUpperCase())}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ email, erased: true, suppressed: true });
    // Out of the members index at once: the count drops without anyone paging the members list.
    expect(((await (await api(`/api/audiences/${audience.id}`)).json()) as any).members).toBe(0);
    expect((await api(`/api/audiences/${audience.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/api/people/${encodeURIComponent(email)}`)).status).toBe(404);
    expect((await list(email)).people).toEqual([]);
    const { visitorById } = await import('../../collector/objects/doors');
    expect(await visitorById(env, anon).state()).toBeNull();

    const again = await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'again' } })] });
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).error.issues[0].code).toBe('suppressed');
    expect((await api(`/api/people/${encodeURIComponent(email)}`)).status).toBe(404);

    // The operator lifts the suppression: the person may come back.
    expect((await api(`/api/people/${encodeURIComponent(email)}/suppression`, { method: 'DELETE' })).status).toBe(200);
    expect((await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'back' } })] })).status).toBe(200);
    await settle(email);
    expect((await person(email)).attributes.traits).toEqual({ plan: 'back' });
    expect((await list(email)).people).toHaveLength(1);
  });

  it('answers 400 for a non-email and 404 when lifting a suppression that does not exist', async () => {
    expect((await api('/api/people/not-an-email', { method: 'DELETE' })).status).toBe(400);
    expect(
      (
        await api(`/api/people/${encodeURIComponent(`never-${anonId()}@example.com`)}/suppression`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
  });

  it('requires the secret key', async () => {
    const { call } = await import('./helpers');
    expect((await call('/api/people/x%40example.com', { method: 'DELETE' })).status).toBe(401);
    expect((await call('/api/people?query=a')).status).toBe(401);
  });
});
