import { describe, expect, it } from 'vitest';
import { api, collect, identifyEvent, person, PK, settle, upsertPeople, waitForJob } from './helpers';

describe('concurrency: one writer per person', () => {
  it('100 parallel identifies and 100 parallel upserts for one person end in one consistent state', async () => {
    const email = `race-${Date.now()}@example.com`;
    const now = Date.now();
    const identifies = Array.from({ length: 100 }, (_, i) =>
      collect({
        key: PK,
        events: [
          identifyEvent(email, {
            anonymousId: `anon_race_${i % 10}_x`,
            traits: { [`t${i}`]: i, last: i },
            touches: [{ kind: 'gclid', value: `Cj0KCQiA_race_${i}`, firstSeen: now - i * 1000 }],
          }),
        ],
      }),
    );
    const upserts = Array.from({ length: 100 }, (_, i) =>
      upsertPeople({ people: [{ email, source: 'crm', attributes: { [`k${i}`]: i, nested: { [`n${i}`]: true } } }] }),
    );
    const responses = await Promise.all([...identifies, ...upserts]);
    expect(responses.slice(0, 100).map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(responses.slice(100).map((r) => r.status)).toEqual(Array(100).fill(202));
    const jobs = await Promise.all(responses.slice(100).map(async (r) => ((await r.json()) as any).jobId));
    // Polled one after the other: 100 pollers at once would only slow the queue they wait for.
    for (const id of jobs) expect(await waitForJob(id)).toMatchObject({ state: 'done', applied: 1 });
    await settle(email);

    const p = await person(email);
    const traits = p.attributes.traits;
    for (let i = 0; i < 100; i++) expect(traits[`t${i}`]).toBe(i);
    expect(typeof traits.last).toBe('number');
    expect(Object.keys(p.attributes.crm.nested)).toHaveLength(100);
    for (let i = 0; i < 100; i++) expect(p.attributes.crm[`k${i}`]).toBe(i);
    expect(p.touches).toHaveLength(100);
    expect(p.devices).toHaveLength(10);
    // The directory holds exactly the person's final attributes.
    const list = (await (await api(`/api/people?query=${encodeURIComponent(email)}`)).json()) as any;
    expect(list.people).toHaveLength(1);
    expect(list.people[0].attributes).toEqual(p.attributes);
  }, 60_000);
});
