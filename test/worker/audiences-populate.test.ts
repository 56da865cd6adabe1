import { describe, expect, it } from 'vitest';
import { api, collect, identifyEvent, PK } from './helpers';
import { createAudience, DAY, json, send, settled } from './audiences-helpers';

const PEOPLE = 2000;

describe('populate over everyone known', () => {
  it('evaluates thousands of people on save and on edit, with progress, and finds exactly the members', async () => {
    const run = Date.now().toString(36);
    const now = Date.now();
    // Every third person became an MQL two days ago; every fifth of those did so 20 days ago.
    const expected = { in7: 0, in30: 0 };
    const events = Array.from({ length: PEOPLE }, (_, i) => {
      const mql = i % 3 === 0;
      const old = mql && i % 5 === 0;
      if (mql) expected.in30++;
      if (mql && !old) expected.in7++;
      return identifyEvent(`pop-${run}-${i}@example.com`, {
        traits: { populate_run: run, lifecycle: mql ? 'mql' : 'lead', mql_at: new Date(now - (old ? 20 : 2) * DAY).toISOString() },
      });
    });
    // Batches of 50 as the tag would send them, a few requests at a time.
    const batches = Array.from({ length: PEOPLE / 50 }, (_, b) => events.slice(b * 50, b * 50 + 50));
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(
        batches.slice(i, i + 8).map(async (batch) => {
          const res = await collect({ key: PK, events: batch });
          expect(res.status).toBe(200);
          expect((await json(res)).accepted).toBe(50);
        }),
      );
    }

    const criteria = { all: [{ field: 'traits.populate_run', op: 'eq', value: run }, { field: 'traits.lifecycle', op: 'eq', value: 'mql' }] };
    const audience = await createAudience({ name: 'populate', criteria, timestamp: { field: 'traits.mql_at', withinDays: 7 }, allowTraits: true });
    expect(audience.populate.total).toBeGreaterThanOrEqual(PEOPLE);
    const done = await settled(audience.id, 240_000);
    expect(done.populate).toMatchObject({ status: 'done', reason: 'created', members: expected.in7 });
    expect(done.populate.evaluated).toBe(done.populate.total);
    expect(done.members).toBe(expected.in7);

    // Widening the window re-evaluates everyone: the 20-day-old MQLs join.
    const edited = await json(await send(`/api/audiences/${audience.id}`, 'PATCH', { timestamp: { field: 'traits.mql_at', withinDays: 30 } }));
    expect(edited.populate).toMatchObject({ reason: 'edited' });
    const again = await settled(audience.id, 240_000);
    expect(again.populate).toMatchObject({ members: expected.in30, evaluated: again.populate.total });
    expect(again.members).toBe(expected.in30);

    let listed = 0;
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: any = await json(await api(`/api/audiences/${audience.id}/members?limit=200&cursor=${cursor}`));
      listed += page.members.filter((m: any) => m.member && m.entries.length === 1).length;
      cursor = page.cursor;
    }
    expect(listed).toBe(expected.in30);
  }, 900_000);
});
