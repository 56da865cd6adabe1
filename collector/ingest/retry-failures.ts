import type { Env } from '../env';
import type { Job } from '../../shared/schemas/people';
import type { PeopleJobMessage } from './job-messages';
import { enqueuePeople } from './people-producer';
import { configObject } from '../objects/doors';

/** The API's and the admin's retry of dead-lettered rows: null when there is no such job. */
export async function retryJobFailures(
  env: Env,
  jobId: string,
  now: number,
): Promise<{ jobId: string; retried: number; people: number } | null> {
  const config = configObject(env);
  const job = (await config.job(jobId)) as Job | null;
  if (!job) return null;
  const messages: PeopleJobMessage[] = job.failures.map((f) => ({
    kind: 'people',
    jobId,
    email: f.email,
    rows: f.rows,
  }));
  if (!messages.length) return { jobId, retried: 0, people: 0 };
  await enqueuePeople(env, messages);
  const retried = await config.clearJobFailures(
    jobId,
    messages.map((m) => m.email),
    now,
  );
  return { jobId, retried, people: messages.length };
}
