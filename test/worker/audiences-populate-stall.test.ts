// A populate page message dropped for good (the queue gives up after its last retry; a local
// runtime that exits loses its queue) would stall the job: a shard's pages are a chain. The cron's
// resumeStalledPopulates sends each unfinished shard's page again once the job has stood still for
// POPULATE_STALL_MS, and the job ends with everyone counted once. The queue is driven by hand.
import { describe, expect, it } from 'vitest';
import { countPeople, PEOPLE_SHARDS } from '../../collector/audiences/people-source';
import {
  handlePopulateMessage,
  POPULATE_STALL_MS,
  resumeStalledPopulates,
  type PopulateMessage,
} from '../../collector/audiences/populate';
import type { Env } from '../../collector/env';
import { DAY, directoryFilled, env, history, upsert } from './audiences-helpers';
import { configObject } from '../../collector/objects/doors';
import { shardOf } from '../../collector/directory';
import { personKey } from '../../collector/identity';

describe('a stalled populate is resumed', () => {
  it('sends the pages of unfinished shards again once the job stood still, and counts everyone once', async () => {
    const run = Date.now().toString(36);
    const people = Array.from({ length: 40 }, (_, i) => ({ email: `stall-${run}-${i}@example.com`, mql: i % 3 === 0 }));
    const before = await countPeople(env);
    const seededAt = Date.now();
    for (const p of people)
      await upsert(
        p.email,
        'crm',
        { stall_run: run, lifecycle: p.mql ? 'mql' : 'lead', mql_at: new Date(seededAt - 2 * DAY).toISOString() },
        seededAt,
      );
    const config = configObject(env);
    const criteria = {
      all: [
        { field: 'crm.stall_run', op: 'eq', value: run },
        { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
      ],
    };
    const created = await config.createAudience(
      { name: 'stall', criteria, timestamp: { field: 'crm.mql_at', withinDays: 7 } },
      Date.now(),
    );
    if (!created.ok) throw new Error('audience refused');
    const audienceId = created.value.id;
    const total = await directoryFilled(before, people.length);
    const t0 = Date.now();
    const job = await config.createAudienceJob(audienceId, created.value.version, 'created', total, PEOPLE_SHARDS, t0);

    const queue: PopulateMessage[] = [];
    const JOBS = {
      send: async (body: PopulateMessage) => void queue.push(body),
      sendBatch: async (batch: { body: PopulateMessage }[]) => void queue.push(...batch.map((m) => m.body)),
    };
    const manual = { ...env, JOBS } as unknown as Env;
    // Pages of 2: a shard holding three or more of these people has a chain of pages. At first, the
    // successor of each such shard's first page is dropped (never delivered), so those shards stop part
    // way with people left unread; later, every third page's successor is dropped (an empty last page
    // of a shard may be among them, so the first drops are chosen, not left to chance).
    const perShard = new Map<number, number>();
    for (const p of people) {
      const shard = shardOf(await personKey(env, p.email));
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    const chained = new Set([...perShard].filter(([, n]) => n >= 3).map(([shard]) => shard));
    let handled = 0;
    let dropped = 0;
    let first = true;
    const deliverAll = async () => {
      while (queue.length) {
        const msg = queue.shift()!;
        const before = queue.length;
        await handlePopulateMessage(manual, msg, Date.now(), { pageSize: 2 });
        const drop = first ? msg.cursor === '' && chained.has(msg.shard) : ++handled % 3 === 0;
        if (drop && queue.length > before) {
          queue.splice(before);
          dropped++;
        }
      }
    };
    queue.push(
      ...Array.from({ length: PEOPLE_SHARDS }, (_, shard) => ({
        kind: 'audiences.populate' as const,
        jobId: job.id,
        shard,
        cursor: '',
      })),
    );
    expect(chained.size).toBeGreaterThan(0);
    await deliverAll();
    first = false;
    expect(dropped).toBeGreaterThan(0);
    const stuck = (await config.getAudienceJob(job.id))!;
    expect(stuck.status).toBe('running');
    expect(stuck.evaluated).toBeLessThan(total);

    // Not yet stale: nothing is sent.
    expect(await resumeStalledPopulates(manual, stuck.updatedAt + POPULATE_STALL_MS - 1)).toBe(0);
    expect(queue).toEqual([]);
    // Stale: each unfinished shard's page again, until the job ends (further drops included).
    let now = stuck.updatedAt + POPULATE_STALL_MS + 1;
    for (let round = 0; round < 20 && (await config.getAudienceJob(job.id))!.status === 'running'; round++) {
      const sent = await resumeStalledPopulates(manual, now);
      expect(sent).toBeGreaterThan(0);
      // A second check at the same moment finds the job just nudged: nothing more.
      expect(await resumeStalledPopulates(manual, now)).toBe(0);
      await deliverAll();
      now = (await config.getAudienceJob(job.id))!.updatedAt + POPULATE_STALL_MS + 1;
    }
    const members = people.filter((p) => p.mql);
    const finished = await config.getAudienceJob(job.id);
    expect(finished, JSON.stringify(finished)).toMatchObject({
      status: 'done',
      evaluated: total,
      total,
      members: members.length,
    });
    expect(await config.countMembers(audienceId)).toBe(members.length);
    for (const p of people) expect((await history(p.email, audienceId)).entries.length, p.email).toBe(p.mql ? 1 : 0);
    // A finished job is never sent again.
    expect(await resumeStalledPopulates(manual, now + POPULATE_STALL_MS)).toBe(0);
  }, 180_000);
});
