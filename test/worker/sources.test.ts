// CRM sources inside workerd: /api/sources, a SourceObject syncing the HubSpot fake (each test its
// own fake account), resume after a failure midway, erased people suppressed, refused credentials
// stopping the source with an alert.
import { describe, expect, inject, it } from 'vitest';
import worker from '../../collector/index';
import { runInDurableObject } from 'cloudflare:test';
import { env } from './helpers';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { json, send } from './audiences-helpers';
import { api, call, person } from './helpers';
import { sourceById } from '../../collector/objects/doors';
import { recordAlerts, source, sourceWaits } from './sources-helpers';

const HUBSPOT = inject('hubspotUrl');
const H = WORKER_FAKES.hubspot;
const RUN = Date.now().toString(36);
let n = 0;

function account(): string {
  return `src-${RUN}-${++n}`;
}

async function hubspot(acct: string, body: Record<string, unknown>) {
  const res = await fetch(`${HUBSPOT}/__fake/control`, {
    method: 'POST',
    body: JSON.stringify({ account: acct, ...body }),
  });
  expect(res.status).toBe(204);
}

async function contacts(
  acct: string,
  list: { email: string; properties?: Record<string, string | null>; at?: number }[],
) {
  await hubspot(acct, { action: 'upsert', contacts: list });
}

async function createSource(
  acct: string,
  settings: Record<string, unknown> = { accessToken: H.privateToken },
  extra: Record<string, unknown> = {},
) {
  const res = await send('/api/sources', 'POST', {
    type: 'hubspot',
    name: `HubSpot ${acct}`,
    settings: { endpoint: `${HUBSPOT}/acct/${acct}`, ...settings },
    ...extra,
  });
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

const T = Date.now() - 3_600_000;

const { until, finished } = sourceWaits(90_000);

describe('/api/sources', { timeout: 200_000 }, () => {
  it('validates settings, masks secrets, lists, renames, pauses and deletes', async () => {
    const acct = account();
    for (const bad of [
      { type: 'hubspot', name: 'x', settings: {} },
      { type: 'hubspot', name: 'x', settings: { accessToken: 'pat-na1-x-0000000', properties: ['bad name'] } },
      { type: 'hubspot', name: '', settings: { accessToken: 'pat-na1-x-0000000' } },
      { type: 'pipedrive', name: 'x', settings: {} },
      { type: 'hubspot', name: 'x', settings: { accessToken: 'pat-na1-x-0000000' }, backfillDays: 12 },
    ]) {
      const res = await send('/api/sources', 'POST', bad);
      const body = await json(res);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(body.error.code).toBe('invalid_source');
    }
    // Salesforce: an instance URL off Salesforce's domains would receive the client secret: refused.
    const sf = await send('/api/sources', 'POST', {
      type: 'salesforce',
      name: 'SF',
      settings: { instanceUrl: 'https://x.example.com', clientId: 'c', clientSecret: 'secret-123456' },
    });
    expect(sf.status).toBe(400);
    expect(JSON.stringify((await json(sf)).error)).toContain('instanceUrl');

    const created = await createSource(acct, { accessToken: H.privateToken }, { backfillDays: 30 });
    expect(created.id).toMatch(/^src_[0-9a-f]{16}$/);
    expect(created.settings.accessToken).toBe('****0001');
    expect(JSON.stringify(created)).not.toContain(H.privateToken);
    expect(created.backfillDays).toBe(30);
    expect((await json(await api('/api/sources'))).sources.map((s: any) => s.id)).toContain(created.id);

    const patched = await json(await send(`/api/sources/${created.id}`, 'PATCH', { name: 'Renamed', paused: true }));
    expect(patched).toMatchObject({ name: 'Renamed', paused: true, status: 'paused' });
    expect((await send(`/api/sources/${created.id}/sync`, 'POST', {})).status).toBe(409);
    // A new endpoint without the token again would hand the stored token to it: refused.
    const moved = await send(`/api/sources/${created.id}`, 'PATCH', {
      settings: { endpoint: 'http://127.0.0.1:9/elsewhere' },
    });
    expect(moved.status).toBe(400);
    expect((await json(moved)).error.code).toBe('credentials_required');

    expect((await api(`/api/sources/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/api/sources/${created.id}`)).status).toBe(404);
    expect((await api('/api/sources/src_nope')).status).toBe(404);
  });

  it('syncs contacts into people under hubspot.*, dates in UTC, with the run counted; sync now picks up a change', async () => {
    const acct = account();
    await contacts(acct, [
      {
        email: `Ann.${acct}@Example.com`,
        properties: {
          lifecyclestage: 'marketingqualifiedlead',
          hs_lifecyclestage_marketingqualifiedlead_date: String(T),
        },
        at: T,
      },
      { email: `bob.${acct}@example.com`, properties: { lifecyclestage: 'lead' }, at: T + 1000 },
      { email: 'not-an-email', properties: {}, at: T + 2000 },
    ]);
    const src = await createSource(acct);
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 3, applied: 2, rejected: 1, suppressed: 0 });
    expect(done.lastRun.apiCalls).toBeGreaterThanOrEqual(2);
    expect(done).toMatchObject({ status: 'idle', lastError: null });
    expect(done.lastSyncedAt).not.toBeNull();
    expect(done.cursor.contacts).toMatchObject({ phase: 'range', t: T + 2000, seen: [expect.any(String)] });
    const ann = await person(`ann.${acct}@example.com`);
    expect(ann.attributes.hubspot).toMatchObject({
      lifecyclestage: 'marketingqualifiedlead',
      hs_lifecyclestage_marketingqualifiedlead_date: new Date(T).toISOString(),
    });

    await contacts(acct, [
      { email: `bob.${acct}@example.com`, properties: { lifecyclestage: 'customer' }, at: T + 60_000 },
    ]);
    const sync = await api(`/api/sources/${src.id}/sync`, { method: 'POST' });
    expect(sync.status).toBe(202);
    const { jobId } = await json(sync);
    const again = await finished(src.id, jobId);
    expect(again.lastRun).toMatchObject({ read: 1, applied: 1 });
    expect((await person(`bob.${acct}@example.com`)).attributes.hubspot.lifecyclestage).toBe('customer');

    const fields = await json(await api(`/api/sources/${src.id}/fields`));
    expect(fields.fields).toContainEqual({
      name: 'hs_lifecyclestage_customer_date',
      label: expect.any(String),
      type: 'datetime',
    });
  });

  it('resumes a run that failed midway from its last committed page: every contact applied, none read twice', async () => {
    const acct = account();
    await contacts(
      acct,
      Array.from({ length: 230 }, (_, i) => ({
        email: `r${i}.${acct}@example.com`,
        properties: { city: 'Lyon' },
        at: T + i,
      })),
    );
    // The first search answers; the second fails with a 500.
    await hubspot(acct, { action: 'failSearch', after: 1, status: 500 });
    const src = await createSource(acct);
    const failed = await until(
      () => source(src.id),
      (s) => s.status === 'waiting',
      'run waiting after the failure',
    );
    expect(failed.lastError).toMatchObject({ kind: 'transient', platformMessage: 'internal error' });
    expect(failed.currentRun).toMatchObject({ read: 200, applied: 200 });
    const jobId = failed.currentRun.jobId;
    expect((await json(await send(`/api/sources/${src.id}/sync`, 'POST', {}))).jobId).toBe(jobId);
    const done = await finished(src.id, jobId);
    expect(done.lastRun).toMatchObject({ read: 230, applied: 230, rejected: 0 });
    expect(done.lastError).toBeNull();
    expect((await person(`r229.${acct}@example.com`)).attributes.hubspot.city).toBe('Lyon');
  });

  it('honours a 429 with Retry-After: the run waits that long, then goes on by itself', async () => {
    const acct = account();
    await contacts(acct, [{ email: `rl.${acct}@example.com`, at: T }]);
    const fault = await fetch(`${HUBSPOT}/__fake/fault`, {
      method: 'POST',
      body: JSON.stringify({ status: 429, retryAfter: '2', path: `/acct/${acct}/crm/v3/objects/contacts/search` }),
    });
    expect(fault.status).toBe(204);
    const src = await createSource(acct);
    const waiting = await until(
      () => source(src.id),
      (s) => s.lastError?.kind === 'rate_limited' || !!s.lastRun,
      'rate limited',
    );
    expect(waiting).toMatchObject({
      status: 'waiting',
      lastError: { kind: 'rate_limited', platformMessage: 'You have reached your secondly limit.' },
    });
    const wait = Date.parse(waiting.nextRunAt) - Date.parse(waiting.lastError.at);
    expect(wait).toBeGreaterThanOrEqual(2000);
    expect(wait).toBeLessThan(3000);
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 1, applied: 1 });
    expect(done.lastError).toBeNull();
  });

  it('does not recreate an erased person and counts them as suppressed', async () => {
    const acct = account();
    const gone = `gone.${acct}@example.com`;
    expect((await api(`/api/people/${encodeURIComponent(gone)}`, { method: 'DELETE' })).status).toBe(200);
    await contacts(acct, [
      { email: gone, properties: { lifecyclestage: 'lead' }, at: T },
      { email: `kept.${acct}@example.com`, properties: { lifecyclestage: 'lead' }, at: T + 1 },
    ]);
    const src = await createSource(acct);
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 2, applied: 1, suppressed: 1 });
    expect(await person(gone)).toBeNull();
  });
});

describe('refused credentials', { timeout: 200_000 }, () => {
  const alerts = recordAlerts();

  it('stop the source with HubSpot’s message and raise credentials_refused; new credentials start it again', async () => {
    const acct = account();
    await contacts(acct, [{ email: `c.${acct}@example.com`, at: T }]);
    const src = await createSource(acct, { accessToken: 'pat-na1-revoked-token-0000' });
    const stopped = await until(
      () => source(src.id),
      (s) => s.status === 'stopped',
      'source stopped',
    );
    expect(stopped.lastError).toMatchObject({
      kind: 'credentials',
      platformMessage: expect.stringContaining('Authentication credentials not found'),
    });
    expect(stopped.nextRunAt).toBeNull();
    await until(
      async () => alerts.received.length,
      (k) => k > 0,
      'alert sent',
    );
    const alert = JSON.parse(alerts.received[0]!.body);
    expect(alert).toMatchObject({ kind: 'credentials_refused', sourceId: src.id, sourceType: 'hubspot' });
    expect(alerts.received[0]!.body).not.toContain('pat-na1');

    const fixed = await json(
      await send(`/api/sources/${src.id}`, 'PATCH', { settings: { accessToken: H.privateToken } }),
    );
    expect(fixed.status).not.toBe('stopped');
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ applied: 1 });
  });

  it('OAuth: the rotated refresh token is saved sealed and used for the next refresh', async () => {
    const acct = account();
    await contacts(acct, [{ email: `o.${acct}@example.com`, at: T }]);
    const src = await createSource(acct, {
      clientId: H.clientId,
      clientSecret: H.clientSecret,
      refreshToken: H.refreshToken,
    });
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ applied: 1 });
    expect(done.settings.refreshToken).toMatch(/^\*{4}.{4}$/);
    expect(JSON.stringify(done)).not.toContain(H.refreshToken);
    // The original refresh token was revoked by the rotation: a second run refreshes with the saved one.
    await hubspot(acct, { action: 'expire' });
    await contacts(acct, [{ email: `o2.${acct}@example.com`, at: T + 5 }]);
    const { jobId } = await json(await send(`/api/sources/${src.id}/sync`, 'POST', {}));
    const again = await finished(src.id, jobId);
    expect(again.lastError).toBeNull();
    expect(again.lastRun).toMatchObject({ applied: 1 });
  });
});

describe('HubSpot webhooks', { timeout: 200_000 }, () => {
  const SECRET = 'hs-app-client-secret-0001';
  async function sign(method: string, uri: string, body: string, ts: number): Promise<string> {
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${method}${uri}${body}${ts}`)),
    );
    return btoa(String.fromCharCode(...mac));
  }
  const hook = (id: string, body: string, headers: Record<string, string>) =>
    call(`/sources/hubspot/${id}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('a signed contact change is read and applied at once; a bad, replayed or unsigned delivery is refused', async () => {
    const acct = account();
    const email = `w.${acct}@example.com`;
    await contacts(acct, [{ email, properties: { lifecyclestage: 'lead' }, at: T }]);
    const src = await createSource(acct, { accessToken: H.privateToken, webhookSecret: SECRET });
    await finished(src.id);
    // Changed in HubSpot; the webhook names the contact.
    await contacts(acct, [{ email, properties: { lifecyclestage: 'customer' }, at: T + 1000 }]);
    // Each fake account numbers its contacts from 1001.
    const id = '1001';
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionId: 7,
        portalId: 62515,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: Number(id),
        propertyName: 'lifecyclestage',
        propertyValue: 'customer',
        changeSource: 'CRM',
      },
    ]);
    const uri = `http://collector.test/sources/hubspot/${src.id}/webhook`;
    const ts = Date.now();
    const sig = await sign('POST', uri, body, ts);
    expect(
      (
        await hook(src.id, body, {
          'x-hubspot-signature-v3': sig.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')),
          'x-hubspot-request-timestamp': String(ts),
        })
      ).status,
    ).toBe(401);
    const old = Date.now() - 6 * 60_000;
    expect(
      (
        await hook(src.id, body, {
          'x-hubspot-signature-v3': await sign('POST', uri, body, old),
          'x-hubspot-request-timestamp': String(old),
        })
      ).status,
    ).toBe(401);
    expect((await hook(src.id, body, {})).status).toBe(401);
    expect((await person(email)).attributes.hubspot.lifecyclestage).toBe('lead');
    const ok = await hook(src.id, body, { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(ts) });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ contacts: 1, applied: 1 });
    expect((await person(email)).attributes.hubspot.lifecyclestage).toBe('customer');
    // The poll sees the same change: not applied a second time.
    const { jobId } = await json(await send(`/api/sources/${src.id}/sync`, 'POST', {}));
    const polled = await finished(src.id, jobId);
    expect(polled.lastRun).toMatchObject({ read: 0, applied: 0 });
  });
});

describe('the cron', { timeout: 200_000 }, () => {
  it('re-arms a source that lost its alarm, and leaves a paused one alone', async () => {
    const acct = account();
    const live = await createSource(acct);
    const paused = await createSource(account());
    await finished(live.id);
    await send(`/api/sources/${paused.id}`, 'PATCH', { paused: true });
    const stub = (id: string) => sourceById(env, id) as unknown as DurableObjectStub;
    await runInDurableObject(stub(live.id), (_o, state) => state.storage.deleteAlarm());
    expect(await runInDurableObject(stub(live.id), (_o, state) => state.storage.getAlarm())).toBeNull();
    const waits: Promise<unknown>[] = [];
    await worker.scheduled!(
      { scheduledTime: Date.now(), cron: '*/5 * * * *', noRetry() {} } as ScheduledController,
      env as never,
      { waitUntil: (p: Promise<unknown>) => waits.push(p), passThroughOnException() {} } as unknown as ExecutionContext,
    );
    await Promise.all(waits);
    // Re-armed for now: a scheduled run happens (and arms the next one).
    const ran = await until(
      () => source(live.id),
      (s) => s.lastRun?.trigger === 'schedule' && !s.currentRun,
      'scheduled run',
    );
    expect(ran.nextRunAt).not.toBeNull();
    expect(await runInDurableObject(stub(paused.id), (_o, state) => state.storage.getAlarm())).toBeNull();
    expect((await source(paused.id)).status).toBe('paused');
  });
});
