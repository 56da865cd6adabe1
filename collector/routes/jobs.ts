import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import type { Job } from '../../shared/schemas/people';
import { retryJobFailures } from '../ingest/retry-failures';
import { configObject } from '../objects/doors';

export const jobs = new Hono<AppContext>();

jobs.get('/:id', async (c) => {
  const id = c.req.param('id');
  if (!/^job_[0-9a-f]{24}$/.test(id)) throw new ApiError(400, 'invalid_job_id', 'not a job id');
  const config = configObject(c.env);
  const job = (await config.job(id)) as Job | null;
  if (job) return c.json(job);
  // Audience populate jobs (collector/audiences/populate.ts) share the id space.
  const populate = await config.getAudienceJob(id);
  if (!populate) throw new ApiError(404, 'not_found', 'no such job');
  const { status, ...rest } = populate;
  return c.json({
    ...rest,
    kind: 'populate',
    state: status === 'running' ? 'running' : 'done',
    superseded: status === 'superseded',
  });
});

/**
 * Sends a job's dead-lettered rows (GET /api/jobs/{id} `failures`) to the queue again. They leave the
 * failed count only once sent, so a send that fails leaves them listed; a row applied twice is the
 * same upsert twice.
 */
jobs.post('/:id/retry', async (c) => {
  const id = c.req.param('id');
  if (!/^job_[0-9a-f]{24}$/.test(id)) throw new ApiError(400, 'invalid_job_id', 'not a job id');
  const out = await retryJobFailures(c.env, id, c.get('now'));
  if (!out) throw new ApiError(404, 'not_found', 'no such job');
  return c.json(out, 202);
});
