import type { Env } from '../env';
import { personKey } from '../identity';
import type { JobProgress } from '../objects/config-jobs';
import type { JobMessage, PeopleJobMessage } from './job-messages';
import { configObject, personByKey } from '../objects/doors';
import { logError } from '../log-error';

// People applied at once per consumer invocation: Workers allow 6 simultaneous open connections per
// invocation and a burst of 100 new objects at once only queues up inside the runtime anyway.
const PARALLEL_PEOPLE = 6;

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function applyPeople(env: Env, msg: PeopleJobMessage, now: number): Promise<'stored' | 'suppressed'> {
  const key = await personKey(env, msg.email);
  const r = await personByKey(env, key).upsertAttributes({ key, email: msg.email, rows: msg.rows, now });
  return r.status;
}

/**
 * The JOBS consumer: fans rows out to their PersonObjects, then records the batch's progress in one
 * write, and only then acknowledges, so a failure anywhere re-delivers rather than loses.
 */
export async function consumeJobs(batch: MessageBatch<JobMessage>, env: Env, now = Date.now()): Promise<void> {
  const progress = new Map<string, JobProgress>();
  const count = (jobId: string, field: 'applied' | 'suppressed', n: number) => {
    let p = progress.get(jobId);
    if (!p) progress.set(jobId, (p = { id: jobId, applied: 0, suppressed: 0, failed: 0 }));
    p[field] += n;
  };
  const outcomes = await mapWithConcurrency(batch.messages, PARALLEL_PEOPLE, async (m) => {
    const body = m.body;
    if (body?.kind !== 'people') return 'ack' as const; // an unknown kind would never succeed
    try {
      const status = await applyPeople(env, body, now);
      count(body.jobId, status === 'stored' ? 'applied' : 'suppressed', body.rows.length);
      return 'ack' as const;
    } catch (e) {
      // Retried until the queue gives up (wrangler.toml max_retries); it then moves the message to
      // the dead-letter queue, whose consumer records the rows on their job (dead-letters.ts).
      logError('people job row failed', e);
      return 'retry' as const;
    }
  });
  if (progress.size) await configObject(env).recordJobProgress([...progress.values()], now);
  batch.messages.forEach((m, i) =>
    outcomes[i] === 'ack' ? m.ack() : m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) }),
  );
}
