import type { Env } from '../env';
import { personByKey, personKey } from '../identity';
import { configObject } from '../objects/config';
import type { JobProgress } from '../objects/config-jobs';
import type { JobMessage, PeopleJobMessage } from './job-messages';

// After this many deliveries a message is counted as failed instead of retried again (wrangler.toml's
// max_retries is 10; counting it here keeps the job's progress honest).
const MAX_ATTEMPTS = 8;

async function applyPeople(env: Env, msg: PeopleJobMessage, now: number): Promise<'stored' | 'suppressed'> {
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
  const count = (jobId: string, field: 'applied' | 'suppressed' | 'failed', n: number) => {
    let p = progress.get(jobId);
    if (!p) progress.set(jobId, (p = { id: jobId, applied: 0, suppressed: 0, failed: 0 }));
    p[field] += n;
  };
  const outcomes = await Promise.all(
    batch.messages.map(async (m) => {
      const body = m.body;
      if (body?.kind !== 'people') return 'ack' as const; // an unknown kind would never succeed
      try {
        const status = await applyPeople(env, body, now);
        count(body.jobId, status === 'stored' ? 'applied' : 'suppressed', body.rows.length);
        return 'ack' as const;
      } catch (e) {
        console.error('people job row failed', e instanceof Error ? e.name : typeof e);
        if (m.attempts >= MAX_ATTEMPTS) {
          count(body.jobId, 'failed', body.rows.length);
          return 'ack' as const;
        }
        return 'retry' as const;
      }
    }),
  );
  if (progress.size) await configObject(env).recordJobProgress([...progress.values()], now);
  batch.messages.forEach((m, i) => (outcomes[i] === 'ack' ? m.ack() : m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) })));
}
