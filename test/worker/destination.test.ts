// The DestinationObject inside workerd (real SQLite, alarms) delivering to the platform fakes, which
// run in Node (test/fakes/global-setup.ts) and are reached over loopback.
import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../collector/env';
import { type DestinationObject } from '../../collector/objects/destination';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { ConversionRow } from '../../collector/delivery/types';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { destinationById } from '../../collector/objects/doors';

const env = workerEnv as unknown as Env;
const urls = inject('fakeUrls');
const DAY = 86_400_000;
let seq = 0;

// A fresh DestinationObject for each test.
const stub = (name: string) => destinationById(env, `${name}-${Date.now()}-${seq++}`);

function row(over: Partial<ConversionRow> = {}): ConversionRow {
  const n = ++seq;
  const now = Date.now();
  return {
    id: `${n.toString(16).padStart(6, '0')}${Math.random().toString(16).slice(2, 12)}`.padEnd(32, '0').slice(0, 32),
    eventTime: Math.floor(now / 1000) - 3600,
    email: `worker.${n}@example.com`,
    touches: [
      { kind: 'fbclid', value: `IwAR_worker_${n}`, firstSeen: now - DAY, anonymousId: 'a1' },
      { kind: 'gclid', value: `Cj0_worker_${n}`, firstSeen: now - 2 * DAY, anonymousId: 'a1' },
      { kind: 'li_fat_id', value: '85929337-d448-42da-a095-0b3c5500fa50', firstSeen: now - DAY },
      { kind: 'msclkid', value: `${n.toString(16).padStart(4, '0')}${'b'.repeat(28)}`, firstSeen: now - DAY },
    ],
    devices: [{ anonymousId: 'a1', ip: '198.51.100.9', userAgent: 'UA worker', lastSeen: now - DAY }],
    attributes: {},
    conversion: {},
    ...over,
  };
}

/** Run the alarm if still scheduled, then wait for an alarm that fired on its own to finish its sends. */
async function settle(d: DestinationObject): Promise<void> {
  await runDurableObjectAlarm(d as unknown as DurableObjectStub);
  for (let i = 0; i < 100; i++) {
    const rows = await d.log({ limit: 500 });
    if (!rows.some((r) => r.status === 'leased' || (r.status === 'queued' && r.dueAt! <= Date.now()))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function state(
  url: string,
): Promise<{ requests: { path: string; status: number }[]; stored: Record<string, unknown>[] }> {
  return (await fetch(`${url}/__fake/state`)).json();
}

describe('DestinationObject', () => {
  it('stores settings sealed, answers them masked, and delivers Meta rows once on the alarm', async () => {
    const d = stub('meta');
    const id = 'dest_meta_1';
    const cfg = await d.configure({
      id,
      type: 'meta',
      mode: 'live',
      endpoint: urls.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    expect(cfg.ok && cfg.value.settings.accessToken).toBe('****n-01');
    const rows = [row(), row()];
    expect(await d.enqueue(rows)).toEqual({ ok: true, value: { queued: 2, skipped: 0, existing: 0 } });
    await settle(d);
    const stored = (await state(urls.meta)).stored as { event: { event_id: string } }[];
    for (const r of rows) expect(stored.filter((e) => e.event.event_id === r.id)).toHaveLength(1);
    const log = await d.log({ limit: 50 });
    expect(log.map((l) => l.status)).toEqual(['sent', 'sent']);
    expect(log[0]!.request!.url).toContain('access_token=[REDACTED]');
    expect(log[0]!.request!.status).toBe(200);
    // Nothing at rest holds the token in clear.
    await runInDurableObject(d as unknown as DurableObjectStub, (_obj, ctx) => {
      const dump = JSON.stringify([
        ...ctx.storage.sql.exec('SELECT * FROM config'),
        ...ctx.storage.sql.exec('SELECT * FROM requests'),
      ]);
      expect(dump).not.toContain(WORKER_FAKES.meta.accessToken);
    });
    // Re-population of the same entries queues nothing; another alarm sends nothing.
    expect(await d.enqueue(rows)).toEqual({ ok: true, value: { queued: 0, skipped: 0, existing: 2 } });
    await d.flushNow();
    expect(
      ((await state(urls.meta)).stored as { event: { event_id: string } }[]).filter((e) =>
        rows.some((r) => r.id === e.event.event_id),
      ),
    ).toHaveLength(2);
  });

  it('preview builds the exact request the outbox would send, redacted, without sending or queuing', async () => {
    const d = stub('preview');
    await d.configure({
      id: 'dest_preview',
      type: 'meta',
      mode: 'live',
      endpoint: urls.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    const r = row({ conversion: { eventName: 'MQL' } });
    const p = await d.preview([r]);
    expect(p).toMatchObject({
      ok: true,
      value: [
        {
          key: r.id,
          payload: {
            event_id: r.id,
            event_name: 'MQL',
            user_data: { fbc: expect.stringMatching(/^fb\.1\.\d{13}\.IwAR_worker_/) },
          },
          request: { method: 'POST', url: expect.stringContaining('access_token=[REDACTED]') },
          skip: null,
          outbox: null,
        },
      ],
    });
    expect(JSON.stringify(p)).not.toContain(WORKER_FAKES.meta.accessToken);
    expect(await d.preview([row({ eventTime: Math.floor(Date.now() / 1000) - 8 * 86_400 })])).toMatchObject({
      ok: true,
      value: [{ payload: null, skip: 'older_than_platform_allows' }],
    });
    expect(
      ((await state(urls.meta)).stored as { event: { event_id: string } }[]).filter((e) => e.event.event_id === r.id),
    ).toHaveLength(0);
    expect(await d.log({ limit: 50 })).toEqual([]);
  });

  it('dry_run records the exact request and sends nothing', async () => {
    const d = stub('dry');
    await d.configure({
      id: 'dest_dry',
      type: 'meta',
      mode: 'dry_run',
      endpoint: urls.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    const before = (await state(urls.meta)).requests.length;
    const r = row();
    await d.enqueue([r]);
    await settle(d);
    expect((await state(urls.meta)).requests.length).toBe(before);
    const c = await d.logEntry(r.id);
    expect(c).toMatchObject({ status: 'sent', note: expect.stringContaining('dry_run') });
    expect((c!.request!.body as { data: { event_id: string }[] }).data[0]!.event_id).toBe(r.id);
  });

  it('Google Ads: OAuth refresh, upload, a permanent row error, and a retry from the API with the same id', async () => {
    const d = stub('gads');
    const g = WORKER_FAKES.google_ads;
    await d.configure({
      id: 'dest_gads',
      type: 'google_ads',
      mode: 'live',
      endpoint: urls.google_ads,
      tokenEndpoint: urls.google_ads,
      settings: {
        customerId: g.customerId,
        conversionActionId: '555',
        clientId: g.clientId,
        clientSecret: g.clientSecret,
        refreshToken: g.refreshToken,
      },
    });
    const good = row();
    const bad = row({ conversion: { conversionAction: '999' } });
    await d.enqueue([good, bad]);
    await settle(d);
    expect(await d.logEntry(good.id)).toMatchObject({ status: 'sent' });
    expect(await d.logEntry(bad.id)).toMatchObject({ status: 'failed', error: { code: 'NO_CONVERSION_ACTION_FOUND' } });
    expect(await d.retry(good.id)).toMatchObject({ ok: false, code: 'not_retryable' });
    expect(await d.retry(bad.id)).toMatchObject({ ok: true, value: { id: bad.id, status: 'queued' } });
    const log = JSON.stringify(await d.log({ limit: 50, includeBody: true }));
    expect(log).not.toContain(g.refreshToken);
    expect(log).not.toContain(g.clientSecret);
  });

  it('LinkedIn: saves the rotated refresh token sealed, so the next refresh works', async () => {
    const d = stub('li');
    const l = WORKER_FAKES.linkedin;
    await d.configure({
      id: 'dest_li',
      type: 'linkedin',
      mode: 'live',
      endpoint: urls.linkedin,
      tokenEndpoint: urls.linkedin,
      settings: {
        conversionId: '4242',
        clientId: l.clientId,
        clientSecret: l.clientSecret,
        refreshToken: l.refreshToken,
        apiVersion: currentVersion(),
      },
    });
    const r = row();
    await d.enqueue([r]);
    await settle(d);
    expect(await d.logEntry(r.id)).toMatchObject({ status: 'sent' });
    const view = await d.describe();
    expect(view!.settings.refreshToken).not.toBe(l.refreshToken);
    expect(view!.settings.refreshToken).toMatch(/^\*\*\*\*/);
  });

  it('Microsoft in test mode validates without sending; /test answers one outcome', async () => {
    const d = stub('ms');
    const m = WORKER_FAKES.microsoft_ads;
    await d.configure({
      id: 'dest_ms',
      type: 'microsoft_ads',
      mode: 'test',
      endpoint: urls.microsoft_ads,
      tokenEndpoint: urls.microsoft_ads,
      settings: {
        customerId: m.customerId,
        accountId: m.accountId,
        conversionGoalName: 'MQL',
        developerToken: m.developerToken,
        clientId: m.clientId,
        clientSecret: m.clientSecret,
        refreshToken: m.refreshToken,
      },
    });
    const before = (await state(urls.microsoft_ads)).requests.filter((q) => q.path.includes('Apply')).length;
    const t = await d.sendTest(row());
    expect(t).toMatchObject({ ok: true, value: { sent: false, outcome: { status: 'sent' } } });
    expect((await state(urls.microsoft_ads)).requests.filter((q) => q.path.includes('Apply')).length).toBe(before);
  });

  it('refuses bad settings, a custom endpoint change without credentials, and Meta test mode without a code', async () => {
    const d = stub('guard');
    const base = {
      id: 'dest_guard',
      type: 'meta' as const,
      mode: 'live' as const,
      settings: { pixelId: '1', accessToken: 'EAA-guard-token-123' },
    };
    expect(await d.configure({ ...base, settings: { pixelId: 'x' } })).toMatchObject({
      ok: false,
      code: 'invalid_settings',
    });
    expect(await d.configure({ ...base, mode: 'test' })).toMatchObject({ ok: false, code: 'invalid_mode' });
    expect(await d.configure({ ...base, endpoint: 'https://a.test' })).toMatchObject({ ok: true });
    expect(await d.configure({ ...base, endpoint: 'https://b.test' }, {})).toMatchObject({
      ok: false,
      code: 'credentials_required',
    });
    expect(
      await d.configure({ ...base, endpoint: 'https://b.test' }, { accessToken: 'EAA-guard-token-123' }),
    ).toMatchObject({ ok: true });
  });
});

describe('DestinationObject retries (state in SQLite)', () => {
  const fault = (url: string, f: Record<string, unknown>) =>
    fetch(`${url}/__fake/fault`, { method: 'POST', body: JSON.stringify(f) });
  // Time cannot be moved inside workerd: make the retry due now, as the clock would.
  const makeDue = (d: DestinationObject) =>
    runInDurableObject(
      d as unknown as DurableObjectStub,
      (_o, ctx) =>
        void ctx.storage.sql.exec("UPDATE outbox SET due_at = 0 WHERE status IN ('queued', 'pending_confirmation')"),
    );
  const metaCfg = (id: string) => ({
    id,
    type: 'meta' as const,
    mode: 'live' as const,
    endpoint: urls.meta,
    settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
  });
  const copies = async (id: string) =>
    ((await state(urls.meta)).stored as { event: { event_id: string } }[]).filter((e) => e.event.event_id === id)
      .length;

  it('a 500 leaves the row queued with its attempt and the logged answer; the retry sends it once', async () => {
    const d = stub('retry500');
    await fault(urls.meta, { status: 500 });
    await d.configure(metaCfg('dest_r500'));
    const r = row();
    await d.enqueue([r]);
    await settle(d);
    const after = await d.logEntry(r.id);
    expect(after).toMatchObject({ status: 'queued', attempts: 1, error: { code: '2' } });
    expect(after!.dueAt).toBeGreaterThan(Date.now());
    expect(after!.request).toMatchObject({ status: 500 });
    await makeDue(d);
    await d.flushNow();
    expect(await d.logEntry(r.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await copies(r.id)).toBe(1);
  });

  it('an ambiguous timeout is resent with the same id, so the platform holds one id twice and we count one send', async () => {
    const d = stub('ambiguous');
    await runInDurableObject(
      d as unknown as DurableObjectStub,
      (obj) => void ((obj as DestinationObject).timeoutMs = 300),
    );
    await fault(urls.meta, { hang: 'after' });
    await d.configure(metaCfg('dest_amb'));
    const r = row();
    await d.enqueue([r]);
    await settle(d);
    expect(await d.logEntry(r.id)).toMatchObject({ status: 'queued', error: { code: 'TIMEOUT' } });
    await makeDue(d);
    await d.flushNow();
    expect(await d.logEntry(r.id)).toMatchObject({ status: 'sent' });
    expect(await copies(r.id)).toBe(2);
    // Nothing further ever goes out for it.
    await makeDue(d);
    await d.flushNow();
    expect(await copies(r.id)).toBe(2);
  });

  it('Google Data Manager rows stay pending until the request status is read', async () => {
    const d = stub('dm');
    const g = WORKER_FAKES.google_data_manager;
    await d.configure({
      id: 'dest_dm',
      type: 'google_data_manager',
      mode: 'live',
      endpoint: urls.google_data_manager,
      tokenEndpoint: urls.google_data_manager,
      settings: {
        customerId: g.customerId,
        conversionActionId: '777',
        clientId: g.clientId,
        clientSecret: g.clientSecret,
        refreshToken: g.refreshToken,
      },
    });
    const r = row();
    await d.enqueue([r]);
    await settle(d);
    expect(await d.logEntry(r.id)).toMatchObject({
      status: 'pending_confirmation',
      request: { id: expect.any(String) },
    });
    await makeDue(d);
    await d.flushNow();
    expect(await d.logEntry(r.id)).toMatchObject({ status: 'sent', note: 'confirmed' });
  });
});

function currentVersion(): string {
  const d = new Date();
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}
