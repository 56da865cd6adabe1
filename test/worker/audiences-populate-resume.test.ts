// Populate resumed after interruptions: the queue driven by hand, with duplicated (one after the
// other and at once), stale, half-applied (successor lost) and failed (invocation died mid-page)
// deliveries, and every person counted once. Pages of 5 (instead of 50) give every directory shard several pages, so the cursor
// logic is exercised with few people: inside vitest-pool-workers people are created at only 3-10 a
// second on the shared machine (docs/audiences.md, Performance; bench/populate.ts runs 5,000).
import { describe, expect, it } from 'vitest';
import { countPeople, PEOPLE_SHARDS } from '../../collector/audiences/people-source';
import { handlePopulateMessage, type PopulateMessage } from '../../collector/audiences/populate';
import type { Env } from '../../collector/env';
import { personKey } from '../../collector/identity';
import { DAY, directoryFilled, env, history } from './audiences-helpers';
import { configObject, personByKey } from '../../collector/objects/doors';

const PEOPLE = 150;
const PAGE = 5;
const run = Date.now().toString(36);
const seededAt = Date.now();
// Every third person became an MQL two days ago: the members.
const people = Array.from({ length: PEOPLE }, (_, i) => ({
  email: `resume-${run}-${i}@example.com`,
  mql: i % 3 === 0,
  attributes: {
    resume_run: run,
    lifecycle: i % 3 === 0 ? 'mql' : 'lead',
    mql_at: new Date(seededAt - 2 * DAY).toISOString(),
  },
}));
const members = people.filter((p) => p.mql);
const criteria = {
  all: [
    { field: 'crm.resume_run', op: 'eq', value: run },
    { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
  ],
};

async function seed() {
  const before = await countPeople(env);
  for (let i = 0; i < PEOPLE; i += 10) {
    await Promise.all(
      people.slice(i, i + 10).map(async ({ email, attributes }) => {
        const key = await personKey(env, email);
        const r = await personByKey(env, key).upsertAttributes({
          key,
          email,
          rows: [{ source: 'crm', attributes }],
          now: Date.now(),
        });
        expect(r.status).toBe('stored');
      }),
    );
  }
  await directoryFilled(before, PEOPLE);
}

/** A ConfigObject binding whose page commit fails while `dying` is set (the invocation died mid-page). */
function dyingConfig(state: { dying: boolean }): Env['CONFIG'] {
  return {
    idFromName: (name: string) => env.CONFIG.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.CONFIG.get(id);
      return new Proxy(stub, {
        get(target, prop) {
          if (prop === 'advanceAudienceJob' && state.dying) {
            return async () => {
              state.dying = false;
              throw new Error('invocation died before the page was recorded');
            };
          }
          // Every other method goes to the real object (an RPC stub has no own `bind`).
          return (...args: unknown[]) =>
            (target as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[prop]!(...args);
        },
      });
    },
  } as unknown as Env['CONFIG'];
}

describe('populate is resumable', () => {
  it('duplicated, stale, half-applied and failed page deliveries count every person once', async () => {
    await seed();
    const config = configObject(env);
    const created = await config.createAudience(
      { name: 'resumable', criteria, timestamp: { field: 'crm.mql_at', withinDays: 7 } },
      Date.now(),
    );
    if (!created.ok) throw new Error('audience refused');
    const audienceId = created.value.id;
    const total = await countPeople(env);
    const job = await config.createAudienceJob(
      audienceId,
      created.value.version,
      'created',
      total,
      PEOPLE_SHARDS,
      Date.now(),
    );
    // The queue, driven by hand: what a page sends next lands here instead of in JOBS.
    const queue: PopulateMessage[] = Array.from({ length: PEOPLE_SHARDS }, (_, shard) => ({
      kind: 'audiences.populate',
      jobId: job.id,
      shard,
      cursor: '',
    }));
    const JOBS = { send: async (body: PopulateMessage) => void queue.push(body), sendBatch: async () => {} };
    const manual = { ...env, JOBS } as unknown as Env;
    const death = { dying: false };
    const dying = { ...manual, CONFIG: dyingConfig(death) } as unknown as Env;
    const page = (e: Env, msg: PopulateMessage) => handlePopulateMessage(e, msg, Date.now(), { pageSize: PAGE });

    const faults = { died: 0, concurrent: 0, duplicate: 0, lost: 0, stale: 0 };
    let handled = 0;
    let lastEvaluated = 0;
    while (queue.length) {
      const msg = queue.shift()!;
      const before = queue.length;
      handled++;
      const at = await config.audienceJobShard(msg.jobId, msg.shard);
      const current = at !== null && !at.done && at.cursor === msg.cursor;
      if (current && handled % 4 === 0) {
        // Its people are evaluated, then the invocation dies: nothing recorded, nothing sent; the
        // queue delivers the same message again below.
        death.dying = true;
        await expect(page(dying, msg)).rejects.toThrow(/invocation died/);
        expect(queue.length).toBe(before);
        faults.died++;
      }
      if (current && handled % 6 === 0) {
        // Two deliveries of the same page at once (both read the cursor before either records):
        // one records the page, the other nothing.
        await Promise.all([page(manual, msg), page(manual, msg)]);
        faults.concurrent++;
      } else {
        await page(manual, msg);
      }
      if (handled % 5 === 0) {
        // Delivered twice: records nothing more; at most it sends the successor again (it cannot
        // tell a duplicate from a retry whose successor was lost), itself a harmless duplicate.
        await page(manual, msg);
        expect(queue.length).toBeLessThanOrEqual(before + 2);
        faults.duplicate++;
      }
      if (handled % 3 === 0 && queue.length > before) {
        // Applied, but its successor was never sent (a crash between the two): the redelivered
        // message finds the cursor moved past it and sends the successor again.
        queue.splice(before);
        await page(manual, msg);
        expect(queue.length).toBe(before + 1);
        faults.lost++;
      }
      if (handled % 7 === 0) {
        await page(manual, { ...msg, cursor: 'stale-cursor' });
        faults.stale++;
      }
      const progress = (await config.getAudienceJob(job.id))!;
      expect(progress.evaluated).toBeGreaterThanOrEqual(lastEvaluated);
      expect(progress.evaluated).toBeLessThanOrEqual(total);
      lastEvaluated = progress.evaluated;
    }
    expect(handled).toBeGreaterThan(PEOPLE_SHARDS); // several pages per shard
    for (const [fault, n] of Object.entries(faults)) expect(n, fault).toBeGreaterThan(0);
    expect(await config.getAudienceJob(job.id)).toMatchObject({
      status: 'done',
      evaluated: total,
      total,
      members: members.length,
    });
    expect(await config.countMembers(audienceId)).toBe(members.length);
    // Evaluated two or three times over, every member entered once and nobody else entered.
    for (const p of people) {
      const { entries } = await history(p.email, audienceId);
      expect(entries.length, p.email).toBe(p.mql ? 1 : 0);
    }
  }, 600_000);
});
