// Nothing the People API accepted is dropped by the queue: a message that fails on every delivery
// of the JOBS queue goes to its dead-letter queue (wrangler.toml), whose consumer records the rows on
// their job with the reason, raises the alert, and leaves them for an operator to retry.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../collector/index';
import { alertTransport } from '../../collector/alerts/webhook';
import { peopleMessages } from '../../collector/ingest/people-producer';
import type { Env } from '../../collector/env';
import { send } from './audiences-helpers';
import { get, post, signIn } from './admin-helpers';
import { anonId, api, env, person, waitForJob } from './helpers';
import { configObject } from '../../collector/objects/doors';

const JOBS = 'open-conversions-jobs';
const DLQ = 'open-conversions-jobs-dlq';
// wrangler.toml: max_retries = 10 on the JOBS consumer, so a message is delivered 11 times before the
// queue moves it to the dead-letter queue.
const DELIVERIES = 11;

/** The collector's bindings with every PersonObject failing, as a broken object or a bad deploy would. */
function brokenEnv(error = 'TypeError: storage exploded'): Env {
  const failing = {
    upsertAttributes: async () => {
      throw new Error(error);
    },
  };
  const person = { idFromName: (n: string) => env.PERSON.idFromName(n), get: () => failing };
  return new Proxy(env, { get: (t, p) => (p === 'PERSON' ? person : (t as any)[p]) }) as Env;
}

async function newJob(email: string, attributes: Record<string, unknown>) {
  const id = `job_${crypto.getRandomValues(new Uint8Array(12)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')}`;
  await configObject(env).createJob(id, 'people', 1, 0, Date.now());
  const [body] = peopleMessages(id, [{ email, source: 'crm', attributes } as any]);
  return { id, body: body! };
}

async function deliver(queue: string, body: unknown, attempts: number, bindings: Env) {
  const batch = createMessageBatch(queue, [
    { id: `m-${attempts}-${Math.random()}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, bindings);
  return getQueueResult(batch, ctx);
}

const realFetch = alertTransport.fetch;
afterEach(() => {
  alertTransport.fetch = realFetch;
});

describe('the JOBS dead-letter queue', () => {
  it('takes a message that failed every delivery, shows its rows with the reason, alerts, and applies them on retry', async () => {
    const alerts: any[] = [];
    alertTransport.fetch = async (_input, init) => {
      alerts.push(JSON.parse(String(init?.body)));
      return new Response('ok');
    };
    expect(
      (await send('/api/alerts', 'PUT', { url: 'https://alerts.example.com/hook', secret: 'alert-secret-0123456789' }))
        .status,
    ).toBe(200);

    const email = `dlq-${anonId()}@example.com`;
    const { id, body } = await newJob(email, { stage: 'customer' });
    const broken = brokenEnv();
    for (let attempts = 1; attempts <= DELIVERIES; attempts++) {
      const result = await deliver(JOBS, body, attempts, broken);
      // Never acknowledged: the queue retries it, and after the last retry moves it to the DLQ.
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toHaveLength(1);
    }
    const running = (await (await api(`/api/jobs/${id}`)).json()) as any;
    expect(running).toMatchObject({ state: 'queued', failed: 0, failures: [] });

    // The dead letter still fails on its last try: recorded with the reason, acknowledged, alerted.
    const dead = await deliver(DLQ, body, 1, broken);
    expect(dead.explicitAcks).toHaveLength(1);
    const job = (await (await api(`/api/jobs/${id}`)).json()) as any;
    expect(job).toMatchObject({ state: 'done', total: 1, applied: 0, failed: 1 });
    expect(job.failures).toEqual([
      {
        email,
        rows: [{ source: 'crm', attributes: { stage: 'customer' } }],
        reason: expect.stringContaining('storage exploded'),
        failedAt: expect.any(Number),
      },
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'open-conversions.dead_letter', kind: 'dead_letter', jobId: id, count: 1 });
    expect(alerts[0].message).toContain(`/api/jobs/{id}/retry`);
    expect(JSON.stringify(alerts[0])).not.toContain(email);

    // The same dead letter delivered again counts once.
    await deliver(DLQ, body, 2, broken);
    expect(((await (await api(`/api/jobs/${id}`)).json()) as any).failed).toBe(1);

    // Retried from the API: sent to the real queue, applied by the real consumer.
    const retry = await api(`/api/jobs/${id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual({ jobId: id, retried: 1, people: 1 });
    const done = await waitForJob(id);
    expect(done).toMatchObject({ state: 'done', applied: 1, failed: 0, failures: [] });
    expect((await person(email)).attributes.crm).toEqual({ stage: 'customer' });
  });

  it('a dead letter the consumer crashed on is recorded without another try; the admin lists it and retries it', async () => {
    const email = `dlq-admin-${anonId()}@example.com`;
    const { id, body } = await newJob(email, { plan: 'pro' });
    // Second delivery of the dead letter: the first one never finished (crash, time limit).
    await deliver(DLQ, body, 2, env);
    const job = (await (await api(`/api/jobs/${id}`)).json()) as any;
    expect(job.failures[0].reason).toContain('crashed or ran out of time');
    expect(await person(email)).toBeNull();

    const { cookies, csrf } = await signIn();
    const page = await (await get(`/admin/people/jobs/${id}`, cookies)).text();
    expect(page).toContain('Rows that could not be applied');
    expect(page).toContain(email);
    expect(page).toContain('crashed or ran out of time');
    const res = await post(`/admin/people/jobs/${id}/retry`, { _csrf: csrf }, cookies);
    expect(res.status).toBe(303);
    expect(await waitForJob(id)).toMatchObject({ applied: 1, failed: 0 });
    expect((await person(email)).attributes.crm).toEqual({ plan: 'pro' });
    // Without the CSRF token the retry is refused.
    expect((await post(`/admin/people/jobs/${id}/retry`, {}, cookies)).status).toBe(403);
  });

  it('a dead letter whose fault has cleared is applied on its last try; a populate page is left to the cron', async () => {
    const email = `dlq-ok-${anonId()}@example.com`;
    const { id, body } = await newJob(email, { score: 3 });
    expect((await deliver(DLQ, body, 1, env)).explicitAcks).toHaveLength(1);
    expect((await (await api(`/api/jobs/${id}`)).json()) as any).toMatchObject({
      state: 'done',
      applied: 1,
      failed: 0,
      failures: [],
    });
    const populate = await deliver(DLQ, { kind: 'audiences.populate', jobId: id, shard: 0, cursor: '' }, 1, env);
    expect(populate.explicitAcks).toHaveLength(1);
  });

  it('erasing a person removes their dead-lettered rows (the job still counts them as failed)', async () => {
    const email = `dlq-erased-${anonId()}@example.com`;
    const { id, body } = await newJob(email, { stage: 'lead' });
    await deliver(DLQ, body, 2, env);
    expect(((await (await api(`/api/jobs/${id}`)).json()) as any).failures).toHaveLength(1);
    expect((await api(`/api/people/${encodeURIComponent(email)}`, { method: 'DELETE' })).status).toBe(200);
    const job = (await (await api(`/api/jobs/${id}`)).json()) as any;
    expect(job).toMatchObject({ failed: 1, failures: [] });
    expect(await (await api(`/api/jobs/${id}/retry`, { method: 'POST' })).json()).toEqual({
      jobId: id,
      retried: 0,
      people: 0,
    });
  });

  it('retrying a job with no failures sends nothing; an unknown job is a 404', async () => {
    const { id } = await newJob(`dlq-none-${anonId()}@example.com`, {});
    expect(await (await api(`/api/jobs/${id}/retry`, { method: 'POST' })).json()).toEqual({
      jobId: id,
      retried: 0,
      people: 0,
    });
    expect((await api(`/api/jobs/job_${'0'.repeat(24)}/retry`, { method: 'POST' })).status).toBe(404);
    expect((await api('/api/jobs/nope/retry', { method: 'POST' })).status).toBe(400);
  });
});
