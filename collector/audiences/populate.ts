// Populate: after an audience is saved (or a conversion turned on, or the audience deleted), every
// known person is re-evaluated. The JOBS queue carries one message per directory shard and page; a
// page's outcome is recorded only if the shard's cursor still stands where the message says, so a
// redelivered or stale message changes nothing (resumable, counted once).
import type { Env } from '../env';
import type { JobReason, JobStatus } from '../objects/config-audiences';
import { countPeople, listPeopleKeys, PEOPLE_SHARDS } from './people-source';
import { slots, type Slots } from './slots';
import { pressure, type Pressure } from './pressure';
import { withDeadline } from './deadline';
import type { AudienceConfig, MembershipChange } from './types';
import { configObject, personByKey } from '../objects/doors';
import { logError } from '../log-error';

export const POPULATE_PAGE = 50;
// PersonObjects evaluated at once per consumer invocation, over all the pages of its batch (10 pages
// of 50 each at 5 a page made 50 at once: subrequests per invocation stay bounded, and on local
// workerd the burst of objects opened at once exhausted its SQLite memory; docs/audiences.md).
export const POPULATE_CONCURRENCY = 6;
// A failed evaluation pauses the isolate's populate this long (pressure.ts: locally, long enough for
// the objects opened in the last ~10 s to close) and is tried again, this many times in all, before
// its page fails and the queue retries the page.
export const PRESSURE_PAUSE_MS = 12_000;
export const PERSON_ATTEMPTS = 3;
// A call of a page (an evaluation, a ConfigObject or directory call, the next page's send) that has
// not answered by then counts as failed (deadline.ts); each takes milliseconds.
export const CALL_DEADLINE_MS = 30_000;
// From this delivery of a page on (wrangler.toml's JOBS consumer allows 1 + max_retries; the backoff
// makes this about two minutes after the first), a person whose evaluation still fails after its
// PERSON_ATTEMPTS is counted in the job's `failed` and the page goes on: one broken object must not
// hold its shard, and with it the job, for ever (the cron would resume it every POPULATE_STALL_MS).
// A skipped person is not a member now; their object evaluates again at their next change.
export const POPULATE_LAST_RESORT_DELIVERY = 6;
const isolatePressure = pressure(PRESSURE_PAUSE_MS);

export interface PopulateMessage {
  kind: 'audiences.populate';
  jobId: string;
  shard: number;
  cursor: string;
}

export function isPopulateMessage(body: unknown): body is PopulateMessage {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'audiences.populate';
}

export async function startPopulate(
  env: Env,
  audienceId: string,
  version: number,
  reason: JobReason,
  now: number,
): Promise<JobStatus> {
  const total = await countPeople(env);
  const shards = total === 0 ? 0 : PEOPLE_SHARDS;
  const job = await configObject(env).createAudienceJob(audienceId, version, reason, total, shards, now);
  if (shards) {
    const messages = Array.from({ length: shards }, (_, shard) => ({
      body: { kind: 'audiences.populate', jobId: job.id, shard, cursor: '' } satisfies PopulateMessage,
    }));
    await env.JOBS.sendBatch(messages);
  }
  return job;
}

export interface PageOptions {
  /** Shared by the pages of one consumer invocation (at most POPULATE_CONCURRENCY people at once). */
  run?: Slots;
  /** People per page; the cursor is a person key, so any size resumes the same way (tests use small pages). */
  pageSize?: number;
  /** The pause after a failure; the isolate's own by default (tests inject a clock). */
  pressure?: Pressure;
  /** How long one call may take before it counts as failed (CALL_DEADLINE_MS). */
  deadlineMs?: number;
  /** Count a person whose evaluation keeps failing as failed instead of failing the page (POPULATE_LAST_RESORT_DELIVERY). */
  lastResort?: boolean;
}

/** One page of one shard. Throws on a transient failure so the queue retries the same page. */
export async function handlePopulateMessage(
  env: Env,
  msg: PopulateMessage,
  now: number,
  options: PageOptions = {},
): Promise<void> {
  const run = options.run ?? slots(POPULATE_CONCURRENCY);
  const gate = options.pressure ?? isolatePressure;
  const deadline = options.deadlineMs ?? CALL_DEADLINE_MS;
  // Every call the page waits on fails after the deadline instead of holding the invocation (and
  // locally the queue behind it) forever; the page is then retried, which its cursor check allows.
  const within = <T>(p: Promise<T>, what: string) => withDeadline(p, deadline, what);
  await gate.clear();
  const config = configObject(env);
  const at = await within(config.audienceJobShard(msg.jobId, msg.shard), 'job shard read');
  if (!at || at.done) return; // finished or superseded
  if (at.cursor !== msg.cursor) {
    // This page was applied but its successor may never have been sent (the send failed): send it.
    if (at.prevCursor === msg.cursor) await within(sendPage(env, msg.jobId, msg.shard, at.cursor), 'page send');
    return;
  }
  const page = await within(
    listPeopleKeys(env, msg.shard, msg.cursor, options.pageSize ?? POPULATE_PAGE),
    'directory page',
  );
  const fresh: AudienceConfig = await within(config.audienceConfig(), 'audience config');
  let members = 0;
  let failed = 0;
  const index: { personKey: string; changes: MembershipChange[] }[] = [];
  // Every evaluation settles before the page fails, so a retried page never overlaps its own first try.
  const settled = await Promise.allSettled(
    page.keys.map((key) => evaluatePerson(env, key, fresh, now, run, gate, deadline)),
  );
  for (const s of settled) {
    if (s.status === 'rejected') {
      if (!options.lastResort) throw s.reason;
      failed++;
      continue;
    }
    const r = s.value;
    if (r.members.includes(at.audienceId)) members++;
    if (r.personKey && r.index?.length) index.push({ personKey: r.personKey, changes: r.index });
  }
  // Names only, and no person key: messages may carry user data.
  if (failed)
    console.error(
      `populate: ${failed} of ${page.keys.length} people on a page could not be evaluated on its last resort; counted as failed`,
    );
  // One write of the members index per page; a retried page writes the same memberships again.
  if (index.length) await within(config.recordMemberships(index), 'members index write');
  const applied = await within(
    config.advanceAudienceJob(
      msg.jobId,
      msg.shard,
      msg.cursor,
      page.next,
      page.keys.length - failed,
      members,
      now,
      failed,
    ),
    'job advance',
  );
  if (applied && page.next !== null) await within(sendPage(env, msg.jobId, msg.shard, page.next), 'page send');
}

/** One person's evaluation; after a failure, tried again once the pause is over. */
async function evaluatePerson(
  env: Env,
  key: string,
  fresh: AudienceConfig,
  now: number,
  run: Slots,
  gate: Pressure,
  deadlineMs: number,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(async () => {
        await gate.clear();
        return withDeadline(
          personByKey(env, key).evaluateAudiences(now, fresh, { returnIndex: true }),
          deadlineMs,
          'person evaluation',
        );
      });
    } catch (e) {
      // Names only: messages may carry user data.
      if (gate.trip()) logError('populate paused: a person evaluation failed', e);
      if (attempt >= PERSON_ATTEMPTS) throw e;
    }
  }
}

// A job whose progress stood still this long gets the page each unfinished shard stands at sent
// again (by the cron, collector/index.ts): the queue drops a message after its last retry, and a
// shard's pages are a chain, so one dropped page would stall the job for good. A page sent again
// while its first copy is only slow is a duplicate, which changes nothing (the cursor check).
export const POPULATE_STALL_MS = 10 * 60_000;

export async function resumeStalledPopulates(env: Env, now: number): Promise<number> {
  const stalled = await configObject(env).nudgeStalledAudienceJobs(now - POPULATE_STALL_MS, now);
  const messages = stalled.flatMap((job) =>
    job.shards.map((s) => ({
      body: {
        kind: 'audiences.populate',
        jobId: job.jobId,
        shard: s.shard,
        cursor: s.cursor,
      } satisfies PopulateMessage,
    })),
  );
  for (let i = 0; i < messages.length; i += 100) await env.JOBS.sendBatch(messages.slice(i, i + 100)); // 100 a send at most
  return messages.length;
}

function sendPage(env: Env, jobId: string, shard: number, cursor: string) {
  return env.JOBS.send({ kind: 'audiences.populate', jobId, shard, cursor } satisfies PopulateMessage);
}

/** The JOBS consumer's share for populate: pages of different shards run side by side. */
export async function consumePopulate(messages: readonly Message<PopulateMessage>[], env: Env): Promise<void> {
  const run = slots(POPULATE_CONCURRENCY);
  await Promise.all(
    messages.map(async (message) => {
      try {
        await handlePopulateMessage(env, message.body, Date.now(), {
          run,
          lastResort: message.attempts >= POPULATE_LAST_RESORT_DELIVERY,
        });
        message.ack();
      } catch (e) {
        isolatePressure.trip();
        logError('populate page failed; retrying', e);
        message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
      }
    }),
  );
}
