import { describe, expect, it } from 'vitest';
import { countPeople } from '../../collector/audiences/people-source';
import { api, upsertPeople } from './helpers';
import { createAudience, DAY, directoryFilled, env, json, send, settled } from './audiences-helpers';

// 2,000 did not finish within 28 minutes on the shared 2-vCPU test machine under load (500 not in 10);
// 200 keeps the suite usable there. bench/populate.node.bench.ts is the place for large runs.
const PEOPLE = 200;

async function ingestJob(jobId: string): Promise<any> {
  for (;;) {
    const job = await json(await api(`/api/jobs/${jobId}`));
    if (job.state === 'done') return job;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('populate over everyone known', () => {
  it('evaluates hundreds of people on save and on edit, with progress, and finds exactly the members', async () => {
    const run = Date.now().toString(36);
    const now = Date.now();
    const before = await countPeople(env);
    // Every third person became an MQL two days ago; every fifth of those did so 20 days ago.
    const expected = { in7: 0, in30: 0 };
    const people = Array.from({ length: PEOPLE }, (_, i) => {
      const mql = i % 3 === 0;
      const old = mql && i % 5 === 0;
      if (mql) expected.in30++;
      if (mql && !old) expected.in7++;
      const attributes = {
        populate_run: run,
        lifecycle: mql ? 'mql' : 'lead',
        mql_at: new Date(now - (old ? 20 : 2) * DAY).toISOString(),
      };
      return { email: `pop-${run}-${i}@example.com`, source: 'crm', attributes };
    });
    // The CRM path: POST /v1/people (1,000 per request), applied through the jobs queue.
    for (let i = 0; i < PEOPLE; i += 1000) {
      const res = await upsertPeople({ people: people.slice(i, i + 1000) });
      expect(res.status).toBe(202);
      const job = await ingestJob((await json(res)).jobId);
      expect(job.applied).toBe(Math.min(1000, PEOPLE));
    }
    await directoryFilled(before, PEOPLE, 600_000);

    const criteria = {
      all: [
        { field: 'crm.populate_run', op: 'eq', value: run },
        { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
      ],
    };
    const audience = await createAudience({
      name: 'populate',
      criteria,
      timestamp: { field: 'crm.mql_at', withinDays: 7 },
    });
    expect(audience.populate.total).toBe(before + PEOPLE);
    const done = await settled(audience.id, 900_000);
    expect(done.populate).toMatchObject({
      status: 'done',
      reason: 'created',
      members: expected.in7,
      evaluated: before + PEOPLE,
    });
    expect(done.members).toBe(expected.in7);
    // The same progress through the jobs API.
    const viaJobs = await json(await api(`/api/jobs/${done.populate.jobId}`));
    expect(viaJobs).toMatchObject({
      kind: 'populate',
      state: 'done',
      audienceId: audience.id,
      evaluated: before + PEOPLE,
      members: expected.in7,
    });

    // Widening the window re-evaluates everyone: the 20-day-old MQLs join.
    const edited = await json(
      await send(`/api/audiences/${audience.id}`, 'PATCH', { timestamp: { field: 'crm.mql_at', withinDays: 30 } }),
    );
    expect(edited.populate).toMatchObject({ reason: 'edited' });
    const again = await settled(audience.id, 900_000);
    expect(again.populate).toMatchObject({ members: expected.in30, evaluated: before + PEOPLE });
    expect(again.members).toBe(expected.in30);

    let listed = 0;
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: any = await json(await api(`/api/audiences/${audience.id}/members?limit=200&cursor=${cursor}`));
      listed += page.members.filter((m: any) => m.member && m.entries.length === 1).length;
      cursor = page.cursor;
    }
    expect(listed).toBe(expected.in30);
  }, 1_800_000);
});
