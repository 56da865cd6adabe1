// What the CRM source suites (sources, sources-salesforce, sources-e2e, admin-sources) share: read a
// source, wait for a condition or for a finished run, sync now, and record the alerts a refused
// credential raises.
import { afterEach, beforeEach, expect } from 'vitest';
import { alertTransport } from '../../collector/alerts/webhook';
import { json, send } from './audiences-helpers';
import { api } from './helpers';

export const source = async (id: string) => json(await api(`/api/sources/${id}`));

/**
 * Waits bounded by `timeoutMs` each: `until` reads every 100 ms until `ok` holds, `finished` until
 * the source's run (with that job id, or any) is over, `syncNow` starts a run and waits for it.
 * Applying hundreds of new people is slow on a loaded machine: each suite picks its bound.
 */
export function sourceWaits(timeoutMs: number) {
  async function until<V>(read: () => Promise<V>, ok: (v: V) => boolean, what: string): Promise<V> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const finished = (id: string, jobId?: string) =>
    until(
      () => source(id),
      (s) => !!s.lastRun && (!jobId || s.lastRun.jobId === jobId) && !s.currentRun,
      `source ${id} run finished`,
    );
  async function syncNow(id: string) {
    const res = await api(`/api/sources/${id}/sync`, { method: 'POST' });
    expect(res.status).toBe(202);
    return finished(id, (await json(res)).jobId);
  }
  return { until, finished, syncNow };
}

/**
 * For each test of the enclosing describe: an alert webhook is configured and its deliveries are
 * recorded in `received` instead of leaving the Worker.
 */
export function recordAlerts(): { received: { body: string }[] } {
  const alerts = { received: [] as { body: string }[] };
  const realFetch = alertTransport.fetch;
  beforeEach(async () => {
    alerts.received = [];
    alertTransport.fetch = async (_input, init) => {
      alerts.received.push({ body: String(init?.body) });
      return new Response('ok');
    };
    expect(
      (
        await send('/api/alerts', 'PUT', {
          url: 'https://alerts.example.com/hook',
          secret: 'alert-secret-0123456789',
          silentMinutes: 30,
        })
      ).status,
    ).toBe(200);
  });
  afterEach(() => {
    alertTransport.fetch = realFetch;
  });
  return alerts;
}
