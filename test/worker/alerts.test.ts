// Alerts: a signed webhook on dead letters, on a platform refusing credentials (through a real
// DestinationObject flush against the Meta fake) and on a tag gone silent (the cron handler).
// Workerd tests cannot listen on a port, so the transport is swapped for a recorder here; the
// reliability suite (test/reliability/) checks the same alerts arriving at a real HTTP receiver.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import worker from '../../collector/index';
import { deliveryAlerts } from '../../collector/alerts/delivery-alerts';
import { resetTagNote, noteTagEvent, checkTagSilence } from '../../collector/alerts/tag-silence';
import { alertTransport } from '../../collector/alerts/webhook';
import { hmacHex } from '../../collector/identity';
import { type DestinationObject } from '../../collector/objects/destination';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { send } from './audiences-helpers';
import { api, env } from './helpers';
import { configObject, destinationById } from '../../collector/objects/doors';

const urls = inject('fakeUrls');
const SECRET = 'alert-secret-0123456789';
const HOOK = 'https://alerts.example.com/hook';
type Received = { url: string; headers: Record<string, string>; body: string };
let received: Received[] = [];
const realFetch = alertTransport.fetch;

beforeEach(async () => {
  received = [];
  alertTransport.fetch = async (input, init) => {
    received.push({
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
    });
    return new Response('ok');
  };
  expect((await send('/api/alerts', 'PUT', { url: HOOK, secret: SECRET, silentMinutes: 30 })).status).toBe(200);
});
afterEach(() => {
  alertTransport.fetch = realFetch;
});

/** Runs the alarm, then waits for one the runtime fired itself to finish (no row queued or leased). */
async function settle(d: DestinationObject) {
  await runDurableObjectAlarm(d as unknown as DurableObjectStub);
  for (let i = 0; i < 200; i++) {
    const rows = await d.log({ limit: 500 });
    if (!rows.some((r) => r.status === 'leased' || r.status === 'queued')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function verified(r: Received) {
  const ts = r.headers['x-alert-timestamp']!;
  expect(r.headers['x-alert-signature']).toBe(`sha256=${await hmacHex(SECRET, `${ts}.${r.body}`)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

describe('/api/alerts', () => {
  it('answers the secret masked, keeps it sealed at rest, and refuses bad settings', async () => {
    const got = (await (await api('/api/alerts')).json()) as any;
    expect(got).toEqual({ url: HOOK, secret: '****', silentMinutes: 30 });
    expect(String(await configObject(env).setting('alerts'))).not.toContain(SECRET);
    for (const bad of [
      { url: HOOK, secret: 'short' },
      { url: 'javascript:alert(1)', secret: SECRET },
      { url: HOOK },
      { url: HOOK, secret: SECRET, silentMinutes: -1 },
    ]) {
      const res = await send('/api/alerts', 'PUT', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await api('/api/alerts')).status).toBe(200);
  });

  it('POST /api/alerts/test sends one signed test alert', async () => {
    const res = await api('/api/alerts/test', { method: 'POST' });
    expect(await res.json()).toEqual({ ok: true, status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe(HOOK);
    expect(await verified(received[0]!)).toMatchObject({ type: 'open-conversions.test', kind: 'test' });
  });
});

describe('delivery alerts', { timeout: 60_000 }, () => {
  it('classifies dead letters and credential refusals from outbox rows', () => {
    const rows = [
      { status: 'dead_letter', note: 'retries exhausted', error: '{"code":"HTTP_503","message":"x"}' },
      { status: 'failed', note: 'unauthorized', error: '{"code":"190","message":"Invalid OAuth access token"}' },
      { status: 'failed', note: 'permanent', error: '{"code":"100","message":"bad param"}' },
    ];
    const out = deliveryAlerts(rows, 'dst_1', 'meta', 1);
    expect(out.map((a) => [a.kind, a.count, a.errorCode])).toEqual([
      ['dead_letter', 1, 'HTTP_503'],
      ['credentials_refused', 1, '190'],
    ]);
    expect(deliveryAlerts([rows[2]!], 'dst_1', 'meta', 1)).toEqual([]);
  });

  it('a platform refusing the access token fires one signed alert, with no token or email in it', async () => {
    const created = await send('/api/destinations', 'POST', {
      type: 'meta',
      name: 'Refused',
      mode: 'live',
      endpoint: urls.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: 'EAAwrong-alert-token-000' },
    });
    const { id } = (await created.json()) as { id: string };
    const d = destinationById(env, id);
    const row = (n: number) => ({
      id: `${n}`.padStart(32, 'a'),
      eventTime: Math.floor(Date.now() / 1000) - 60,
      email: `alerted.${n}@example.com`,
      touches: [],
      devices: [],
      attributes: {},
      conversion: {},
    });
    expect(await d.enqueue([row(1), row(2)])).toMatchObject({ ok: true });
    await settle(d);
    for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 50));
    const log = (await d.log({ limit: 50 })).map((r) => r.status);
    expect(log).toEqual(['failed', 'failed']);
    expect(received).toHaveLength(1);
    const alert = await verified(received[0]!);
    expect(alert).toMatchObject({ kind: 'credentials_refused', destinationId: id, destinationType: 'meta', count: 2 });
    expect(received[0]!.body).not.toContain('EAAwrong');
    expect(received[0]!.body).not.toContain('@example.com');
    // Another failure within the hour is not a second message.
    await d.enqueue([row(3)]);
    await settle(d);
    expect((await d.logEntry(row(3).id))?.status).toBe('failed');
    expect(received).toHaveLength(1);
  });
});

describe("delivery alerts on the object's clock", { timeout: 60_000 }, () => {
  it('a flush at an injected time (a day behind the wall clock) still alerts on the rows it failed', async () => {
    const created = await send('/api/destinations', 'POST', {
      type: 'meta',
      name: 'Refused (clock)',
      mode: 'live',
      endpoint: urls.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: 'EAAwrong-clock-token-000' },
    });
    const { id } = (await created.json()) as { id: string };
    const stub = env.DESTINATION.get(env.DESTINATION.idFromName(id));
    const past = Date.now() - 86_400_000;
    const row = (n: number) => ({
      id: `${n}`.padStart(32, 'c'),
      eventTime: Math.floor(past / 1000) - 60,
      email: `clock.${n}@example.com`,
      touches: [],
      devices: [],
      attributes: {},
      conversion: {},
    });
    const statuses = await runInDurableObject(stub, async (o: DestinationObject) => {
      o.now = () => past;
      expect(await o.enqueue([row(1)])).toMatchObject({ ok: true });
      await o.flushNow();
      return (await o.log({ limit: 50 })).map((r) => [r.status, r.updatedAt]);
    });
    expect(statuses).toEqual([['failed', past]]);
    for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    expect(await verified(received[0]!)).toMatchObject({ kind: 'credentials_refused', destinationId: id, at: past });
  });
});

describe('tag silent (cron)', () => {
  it('fires once per silence after silentMinutes without a tag event, and again after the next silence', async () => {
    const now = Date.now();
    resetTagNote();
    await noteTagEvent(env, now - 31 * 60_000);
    expect(await checkTagSilence(env, now - 20 * 60_000)).toBe('ok');
    // The exported scheduled() handler is what the cron trigger runs.
    const waits: Promise<unknown>[] = [];
    await worker.scheduled!(
      { scheduledTime: now, cron: '*/5 * * * *', noRetry() {} } as ScheduledController,
      env as never,
      { waitUntil: (p: Promise<unknown>) => waits.push(p), passThroughOnException() {} } as unknown as ExecutionContext,
    );
    await Promise.all(waits);
    expect(received).toHaveLength(1);
    expect(await verified(received[0]!)).toMatchObject({ kind: 'tag_silent', lastEventAt: now - 31 * 60_000 });
    expect(await checkTagSilence(env, now + 5 * 60_000)).toBe('quiet');
    expect(received).toHaveLength(1);
    resetTagNote();
    await noteTagEvent(env, now + 6 * 60_000);
    expect(await checkTagSilence(env, now + 10 * 60_000)).toBe('ok');
    expect(await checkTagSilence(env, now + 40 * 60_000)).toBe('alerted');
    expect(received).toHaveLength(2);
  });

  it('is off without a webhook', async () => {
    expect((await api('/api/alerts', { method: 'DELETE' })).status).toBe(200);
    expect(await checkTagSilence(env, Date.now() + 365 * 86_400_000)).toBe('off');
    expect(received).toHaveLength(0);
  });
});
