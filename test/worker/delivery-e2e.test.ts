// End to end, inside workerd: a CRM upsert (POST /v1/people through the JOBS queue) and the tag's
// click IDs make an audience entry; the entry becomes a conversion row per destination, goes to each
// DestinationObject outbox, and reaches each platform's contract fake (live mode, endpoints pointed
// at the fakes). Then faults at every fake — 429 with Retry-After, 500, a timeout, an expired token,
// partial failures — lose nothing and duplicate nothing. Time is the DestinationObject's injected
// clock, moved to each retry's due time; nothing sleeps for a backoff.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type DestinationObject } from '../../collector/objects/destination';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { createAudience, send, turnOn } from './audiences-helpers';
import { api, collect, DAY, env, identifyEvent, PK, settle, upsertPeople, waitForJob } from './helpers';
import { settled } from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

const F = inject('e2eFakeUrls');
// Reddit, TikTok and ChatGPT Ads have their own suite (delivery-e2e-new-platforms.test.ts).
type Platform = Exclude<keyof typeof F, 'reddit' | 'tiktok' | 'openai_ads'>;
const PLATFORMS: Platform[] = ['meta', 'google_data_manager', 'google_ads', 'linkedin', 'microsoft_ads'];
const RUN = Date.now().toString(36);
let seq = 0;

function apiVersion(): string {
  const d = new Date();
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function destinationBody(p: Platform) {
  const w = WORKER_FAKES;
  const oauth = { endpoint: F[p], tokenEndpoint: F[p] };
  switch (p) {
    case 'meta':
      return {
        type: p,
        name: 'Meta e2e',
        mode: 'live',
        endpoint: F[p],
        settings: { pixelId: w.meta.pixelId, accessToken: w.meta.accessToken },
      };
    case 'google_data_manager':
      return {
        type: p,
        name: 'Google DM e2e',
        mode: 'live',
        ...oauth,
        settings: {
          customerId: w.google_data_manager.customerId,
          conversionActionId: '777',
          clientId: w.google_data_manager.clientId,
          clientSecret: w.google_data_manager.clientSecret,
          refreshToken: w.google_data_manager.refreshToken,
        },
      };
    case 'google_ads':
      return {
        type: p,
        name: 'Google Ads e2e',
        mode: 'live',
        ...oauth,
        settings: {
          customerId: w.google_ads.customerId,
          conversionActionId: '555',
          clientId: w.google_ads.clientId,
          clientSecret: w.google_ads.clientSecret,
          refreshToken: w.google_ads.refreshToken,
        },
      };
    case 'linkedin':
      return {
        type: p,
        name: 'LinkedIn e2e',
        mode: 'live',
        ...oauth,
        settings: {
          conversionId: '4242',
          clientId: w.linkedin.clientId,
          clientSecret: w.linkedin.clientSecret,
          refreshToken: w.linkedin.refreshToken,
          apiVersion: apiVersion(),
        },
      };
    case 'microsoft_ads':
      return {
        type: p,
        name: 'Microsoft e2e',
        mode: 'live',
        ...oauth,
        settings: {
          customerId: w.microsoft_ads.customerId,
          accountId: w.microsoft_ads.accountId,
          conversionGoalName: 'MQL',
          developerToken: w.microsoft_ads.developerToken,
          clientId: w.microsoft_ads.clientId,
          clientSecret: w.microsoft_ads.clientSecret,
          refreshToken: w.microsoft_ads.refreshToken,
        },
      };
  }
}

/** The id each platform stores a conversion under (the entry id we sent), per stored record. */
function storedIds(p: Platform, stored: any[]): string[] {
  switch (p) {
    case 'meta':
      return stored.map((s) => s.event.event_id);
    case 'google_data_manager':
      return stored.map((s) => s.transactionId ?? s.event?.transactionId);
    case 'google_ads':
      return stored.map((s) => s.orderId);
    case 'linkedin':
      return stored.map((s) => s.eventId);
    case 'microsoft_ads':
      // Microsoft keeps click + time (it has no order id): map back through the click id we gave the person.
      return stored.map((s) => s.MicrosoftClickId);
  }
}

async function fakeState(p: Platform): Promise<{ requests: { path: string; status: number }[]; stored: any[] }> {
  return (await fetch(`${F[p]}/__fake/state`)).json();
}

async function fake(p: Platform, path: 'fault' | 'control', body: Record<string, unknown>) {
  const res = await fetch(`${F[p]}/__fake/${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, `${p} ${path} ${JSON.stringify(body)}`).toBe(204);
}

const stubOf = (id: string) => destinationById(env, id) as unknown as DurableObjectStub;

/** A person with a click ID of every platform, identified from the browser (as the tag does). */
async function browse(email: string) {
  const n = ++seq;
  // Clicks a minute before the CRM's event time (which it keeps to the second).
  const now = Date.now() - 60_000;
  const hex = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0).toString(16)).join('');
  const touches = [
    { kind: 'fbclid', value: `IwAR_e2e_${RUN}_${n}`, firstSeen: now - DAY, landingUrl: 'https://shop.test/?fbclid=x' },
    { kind: 'gclid', value: `Cj0KCQiA_e2e_${RUN}_${n}`, firstSeen: now - 2 * DAY },
    { kind: 'li_fat_id', value: crypto.randomUUID(), firstSeen: now - DAY },
    { kind: 'msclkid', value: `${hex(`${RUN}${n}`)}${'c'.repeat(32)}`.slice(0, 32), firstSeen: now - DAY },
  ];
  const res = await collect({
    key: PK,
    events: [identifyEvent(email, { anonymousId: `anon_e2e_${RUN}_${n}`, touches })],
  });
  expect(res.status).toBe(200);
  return { msclkid: touches[3]!.value };
}

/** The CRM says these people became MQLs a day ago: POST /v1/people, applied by the JOBS consumer. */
async function crmUpsert(emails: string[]) {
  const mqlAt = new Date(Date.now() - DAY).toISOString();
  const res = await upsertPeople({
    people: emails.map((email) => ({
      email,
      source: 'crm',
      attributes: { lifecycle: 'mql', mql_at: mqlAt, e2e: RUN, deal: { amount: '1,250.50' } },
    })),
  });
  expect(res.status).toBe(202);
  const job = await waitForJob(((await res.json()) as { jobId: string }).jobId);
  expect(job).toMatchObject({ applied: emails.length, failed: 0 });
}

type LogEntry = {
  id: string;
  key: string;
  entryId: string;
  destinationId: string;
  status: string;
  attempts: number;
  dueAt: number | null;
  error: { code: string } | null;
  request: { at: number; status: number | null; response: unknown; body?: unknown } | null;
};

async function log(query: string): Promise<LogEntry[]> {
  const res = await api(`/api/conversions?limit=200&${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversions: LogEntry[] }).conversions;
}

/** Waits until `count` rows of a (paused) outbox are queued: each entry reaches it through the person's outbox. */
async function queuedRows(id: string, count: number): Promise<LogEntry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = (await log(`destination=${id}`)).filter((r) => r.status === 'queued');
    if (rows.length >= count) return rows;
    if (Date.now() > deadline) throw new Error(`${count} rows were not queued at ${id}: ${rows.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs an alarm that is due, then waits until no request of this outbox is in flight. */
async function drain(id: string) {
  await runDurableObjectAlarm(stubOf(id));
  for (let i = 0; i < 200; i++) {
    const leased = (await destinationById(env, id).log({ status: 'leased', limit: 1 })).length;
    if (!leased) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('a request stayed in flight');
}

/** Moves the outbox's clock to `at` and sends what is due then (what its alarm would do at that time). */
async function flushAt(id: string, at: number) {
  await setClock(id, () => at);
  await destinationById(env, id).flushNow();
  await setClock(id, () => Date.now());
}

async function realClocks() {
  for (const p of PLATFORMS) await setClock(destinations[p], () => Date.now(), 500);
}

// Loosely typed: the object's RPC type is too deep for runInDurableObject's inference.
const inObject = runInDurableObject as unknown as (stub: unknown, fn: (o: DestinationObject) => void) => Promise<void>;

function setClock(id: string, now: () => number, timeoutMs?: number): Promise<void> {
  return inObject(stubOf(id), (o) => {
    o.now = now;
    if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  });
}

async function patch(id: string, body: Record<string, unknown>) {
  const res = await send(`/api/destinations/${id}`, 'PATCH', body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
}

const destinations = {} as Record<Platform, string>;
let audienceId = '';
const early = `early.${RUN}@example.com`;
let earlyClick = '';

beforeAll(async () => {
  for (const p of PLATFORMS) {
    const res = await send('/api/destinations', 'POST', destinationBody(p));
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    destinations[p] = body.id;
  }
  const audience = await createAudience({
    name: `E2E MQL ${RUN}`,
    criteria: {
      all: [
        { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
        { field: 'crm.e2e', op: 'eq', value: RUN },
      ],
    },
    timestamp: { field: 'crm.mql_at', withinDays: 7 },
  });
  audienceId = audience.id;
  // One person is in the audience before any conversion is on.
  earlyClick = (await browse(early)).msclkid;
  await crmUpsert([early]);
  await settle(early);
  // Meta turned on without existing members; the others with them (the default). Google Ads takes
  // its value from the CRM's deal amount (valueField).
  await turnOn(audienceId, { destinationId: destinations.meta, sendExisting: false });
  for (const p of PLATFORMS.slice(1))
    await turnOn(audienceId, {
      destinationId: destinations[p],
      ...(p === 'google_ads' ? { valueField: 'crm.deal.amount', currency: 'EUR' } : {}),
    });
  await settled(audienceId);
}, 90_000);

describe('delivery end to end', { timeout: 120_000 }, () => {
  it('a CRM upsert reaches each fake once; sendExisting: false skips people already in, true sends them', async () => {
    await realClocks();
    const clicks = new Map<string, string>([[early, earlyClick]]);

    const later = [`later1.${RUN}@example.com`, `later2.${RUN}@example.com`];
    for (const e of later) clicks.set(e, (await browse(e)).msclkid);
    await crmUpsert(later);

    for (const p of PLATFORMS) await drain(destinations[p]);
    // Google Data Manager answers asynchronously: 15 minutes on, the outbox reads the request status.
    await flushAt(destinations.google_data_manager, Date.now() + 16 * 60_000);

    const rows = await log(`audience=${audienceId}`);
    const entries = new Map<string, Set<string>>();
    for (const r of rows) entries.set(r.destinationId, (entries.get(r.destinationId) ?? new Set()).add(r.entryId));
    // Meta: the two later people only; every other platform: all three.
    expect(entries.get(destinations.meta)?.size).toBe(2);
    for (const p of PLATFORMS.slice(1)) expect(entries.get(destinations[p])?.size, p).toBe(3);
    for (const r of rows) expect(r, `${r.id}`).toMatchObject({ status: 'sent', attempts: 1, error: null });
    for (const r of rows.filter((x) => x.destinationId === destinations.google_ads))
      expect((r as unknown as { event: unknown }).event).toMatchObject({
        conversionValue: 1250.5,
        currencyCode: 'EUR',
      });

    for (const p of PLATFORMS) {
      const ours = rows.filter((r) => r.destinationId === destinations[p]);
      const stored = storedIds(p, (await fakeState(p)).stored);
      if (p === 'microsoft_ads') {
        // Microsoft stores no order id: one conversion per click we sent.
        for (const r of ours) expect(r.request!.status).toBe(200);
        expect(stored.filter((c) => [...clicks.values()].includes(c)).sort()).toEqual([...clicks.values()].sort());
        continue;
      }
      for (const r of ours)
        expect(
          stored.filter((id) => id === r.entryId),
          `${p} ${r.entryId}`,
        ).toHaveLength(1);
    }

    // The person view: the entry, and per destination the status, the request and the answer.
    const res = await api(`/api/people/${encodeURIComponent(early)}`);
    const person = (await res.json()) as { memberships: any[]; conversions: any[] };
    const m = person.memberships.find((x) => x.audienceId === audienceId);
    expect(m).toMatchObject({
      audienceName: `E2E MQL ${RUN}`,
      entries: [{ id: expect.any(String), timestamp: expect.any(Number), enteredAt: expect.any(Number) }],
    });
    const mine = person.conversions.filter((c) => c.audienceId === audienceId);
    expect(mine).toHaveLength(5);
    const metaRow = mine.find((c) => c.destinationId === destinations.meta);
    expect(metaRow).toMatchObject({ status: 'skipped', reason: 'existing_entry', delivery: null });
    for (const p of PLATFORMS.slice(1)) {
      const c = mine.find((x) => x.destinationId === destinations[p]);
      expect(c, p).toMatchObject({
        status: 'sent',
        destinationType: p,
        delivery: { status: 'sent', entryId: m.entries[0].id, request: { status: 200 } },
      });
      expect(c.delivery.request.body, p).toBeTruthy();
      expect(c.delivery.request.response, p).toBeTruthy();
    }
    const text = JSON.stringify(person);
    for (const secret of [
      WORKER_FAKES.meta.accessToken,
      WORKER_FAKES.google_ads.clientSecret,
      WORKER_FAKES.google_ads.refreshToken,
      WORKER_FAKES.linkedin.clientSecret,
      WORKER_FAKES.microsoft_ads.developerToken,
    ])
      expect(text).not.toContain(secret);
  });

  it('429 with Retry-After, 500, a timeout and an expired token at every fake: each entry arrives once', async () => {
    await realClocks();
    const people = [`fault1.${RUN}@example.com`, `fault2.${RUN}@example.com`];
    const before = new Map<Platform, number>();
    for (const p of PLATFORMS) {
      before.set(p, (await fakeState(p)).stored.length);
      for (const f of [{ status: 429, retryAfter: '120' }, { status: 500 }, { hang: 'before' }, { status: 401 }])
        await fake(p, 'fault', f);
    }
    // Paused until both rows wait in the outbox: they go out in one request, which meets the 429
    // (on a loaded machine the two entries can reach an outbox far enough apart to be sent alone).
    for (const p of PLATFORMS) await patch(destinations[p], { paused: true });
    for (const e of people) await browse(e);
    await crmUpsert(people);
    for (const p of PLATFORMS) {
      const id = destinations[p];
      await queuedRows(id, 2);
      await patch(id, { paused: false });
      await drain(id);
      // First attempt: the 429. Not retried before its Retry-After.
      let rows = await log(`destination=${id}`);
      const fresh = rows.filter((r) => r.status === 'queued');
      expect(fresh.length, p).toBe(2);
      for (const r of fresh) {
        expect(r.error, p).toBeTruthy();
        expect(r.dueAt! - r.request!.at, p).toBeGreaterThanOrEqual(120_000);
      }
      // Then the 500, the timeout and the 401, each at the moment its retry comes due.
      for (let i = 0; i < 6; i++) {
        const queued = (await destinationById(env, id).log({ status: 'queued', limit: 10 })).filter(
          (r) => r.dueAt !== null,
        );
        if (!queued.length) break;
        await flushAt(id, Math.max(...queued.map((r) => r.dueAt!)) + 1000);
      }
      await flushAt(id, Date.now() + 20 * 60_000); // Data Manager's confirmation
      rows = (await log(`destination=${id}`)).filter((r) => fresh.some((f) => f.id === r.id));
      if (p === 'meta') {
        // Meta's tokens cannot be refreshed: the 190 ends the rows as failed with Meta's error;
        // the operator enters a token again and retries them from the API, with the same ids.
        for (const r of rows) expect(r, p).toMatchObject({ status: 'failed', error: { code: '190/463' } });
        for (const r of rows) expect((await send(`/api/conversions/${r.id}/retry`, 'POST', {})).status).toBe(200);
        await drain(id);
        await flushAt(id, Date.now() + 60_000);
        rows = (await log(`destination=${id}`)).filter((r) => fresh.some((f) => f.id === r.id));
      }
      for (const r of rows) expect(r, p).toMatchObject({ status: 'sent' });
      if (p !== 'meta') for (const r of rows) expect(r.attempts, p).toBe(4);
      const stored = storedIds(p, (await fakeState(p)).stored.slice(before.get(p)));
      if (p === 'microsoft_ads') expect(stored, p).toHaveLength(2);
      else expect(stored.sort(), p).toEqual(rows.map((r) => r.entryId).sort());
      // Nothing more ever goes out for them.
      await flushAt(id, Date.now() + 7 * DAY);
      expect((await fakeState(p)).stored.length - before.get(p)!, p).toBe(2);
    }
  });

  it('partial failures are mapped per row: the others are sent once, the bad one ends with the platform error', async () => {
    await realClocks();
    const people = [`part1.${RUN}@example.com`, `part2.${RUN}@example.com`, `part3.${RUN}@example.com`];
    const clicks: string[] = [];
    for (const e of people) clicks.push((await browse(e)).msclkid);
    // The entry id of part2 is known only once it exists; the bad row is chosen by what it carries.
    const before = new Map<Platform, number>();
    for (const p of PLATFORMS) before.set(p, (await fakeState(p)).stored.length);
    await fake('microsoft_ads', 'control', {
      action: 'rowError',
      clickId: clicks[1]!,
      code: 'OfflineConversionMicrosoftClickIdInvalid',
    });
    // Pause the others until the bad rows are marked at their fakes.
    for (const p of PLATFORMS) await patch(destinations[p], { paused: true });
    await crmUpsert(people);
    for (const p of PLATFORMS) await queuedRows(destinations[p], 3);
    const rowsOf = async (p: Platform) =>
      (await log(`destination=${destinations[p]}&audience=${audienceId}`)).filter((r) => r.status === 'queued');
    const bad = (await rowsOf('meta')).map((r) => r.entryId).sort()[0]!;
    const badOf = async (p: Platform) => (await rowsOf(p)).find((r) => r.entryId === bad)!;
    await fake('meta', 'control', { action: 'poison', eventId: bad });
    await fake('google_ads', 'control', { action: 'rowError', orderId: bad, code: 'INVALID_CONVERSION_ACTION_TYPE' });
    await fake('linkedin', 'control', { action: 'rowError', eventId: bad, status: 400 });
    for (const p of ['meta', 'google_ads', 'linkedin', 'microsoft_ads'] as Platform[]) {
      const id = destinations[p];
      const badRow = p === 'microsoft_ads' ? null : await badOf(p);
      await patch(id, { paused: false });
      await drain(id);
      for (let i = 0; i < 6; i++) {
        const queued = (await destinationById(env, id).log({ status: 'queued', limit: 10 })).filter(
          (r) => r.dueAt !== null,
        );
        if (!queued.length) break;
        await flushAt(id, Math.max(...queued.map((r) => r.dueAt!)) + 1000);
      }
      const rows = (await log(`destination=${id}&audience=${audienceId}`)).filter(
        (r) => r.request && r.request.at >= 0,
      );
      const latest = rows.slice(0, 3);
      const failed = latest.filter((r) => r.status === 'failed');
      expect(failed, p).toHaveLength(1);
      if (badRow) expect(failed[0]!.entryId, p).toBe(badRow.entryId);
      expect(
        latest.filter((r) => r.status === 'sent'),
        p,
      ).toHaveLength(2);
      const stored = (await fakeState(p)).stored.slice(before.get(p));
      expect(stored, p).toHaveLength(2);
      if (p !== 'microsoft_ads') expect(storedIds(p, stored)).not.toContain(bad);
    }
    await patch(destinations.google_data_manager, { paused: false });
  });

  it('a row still failing after the last attempt is dead-lettered, listed with its error, and retried from the API once', async () => {
    await realClocks();
    const who = `dead.${RUN}@example.com`;
    const id = destinations.linkedin;
    const before = (await fakeState('linkedin')).stored.length;
    await fake('linkedin', 'fault', { status: 500, times: 8 });
    await browse(who);
    await crmUpsert([who]);
    await drain(id);
    for (let i = 0; i < 10; i++) {
      const queued = (await destinationById(env, id).log({ status: 'queued', limit: 10 })).filter(
        (r) => r.dueAt !== null,
      );
      if (!queued.length) break;
      await flushAt(id, Math.max(...queued.map((r) => r.dueAt!)) + 1000);
    }
    const dead = await log(`status=dead_letter&destination=${id}&email=${encodeURIComponent(who)}`);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      status: 'dead_letter',
      attempts: 8,
      error: { code: expect.any(String) },
      request: { status: 500 },
    });
    expect((await fakeState('linkedin')).stored.length).toBe(before);
    const retried = await send(`/api/conversions/${dead[0]!.id}/retry`, 'POST', {});
    expect(retried.status).toBe(200);
    await drain(id);
    await flushAt(id, Date.now() + 1000);
    expect((await api(`/api/conversions/${dead[0]!.id}`)).status).toBe(200);
    expect(await (await api(`/api/conversions/${dead[0]!.id}`)).json()).toMatchObject({
      status: 'sent',
      entryId: dead[0]!.entryId,
    });
    expect(storedIds('linkedin', (await fakeState('linkedin')).stored.slice(before))).toEqual([dead[0]!.entryId]);
  });

  it('a send cut off mid-flight (the object restarted while the row was leased) goes out once when the lease runs out', async () => {
    await realClocks();
    const who = `crash.${RUN}@example.com`;
    const id = destinations.google_ads;
    const before = (await fakeState('google_ads')).stored.length;
    await patch(id, { paused: true });
    await browse(who);
    await crmUpsert([who]);
    // What a crash right after the lease was written leaves behind: a leased row, no answer.
    const leaseUntil = Date.now() + 75_000;
    await inObject(stubOf(id), (o) => {
      (o as unknown as { ctx: DurableObjectState }).ctx.storage.sql.exec(
        `UPDATE outbox SET status = 'leased', attempts = 1, lease_until = ? WHERE status = 'queued'`,
        leaseUntil,
      );
    });
    await patch(id, { paused: false });
    await runDurableObjectAlarm(stubOf(id));
    // Not before the lease runs out...
    await flushAt(id, leaseUntil - 1000);
    expect((await fakeState('google_ads')).stored.length).toBe(before);
    // ...then once, with the same order id, and never again.
    await flushAt(id, leaseUntil + 1000);
    await flushAt(id, leaseUntil + DAY);
    const rows = await log(`destination=${id}&email=${encodeURIComponent(who)}`);
    expect(rows).toMatchObject([{ status: 'sent', attempts: 2 }]);
    expect(storedIds('google_ads', (await fakeState('google_ads')).stored.slice(before))).toEqual([rows[0]!.entryId]);
  });

  it('a row already in the outbox is held while its conversion is paused and cancelled once the conversion is deleted', async () => {
    await realClocks();
    const aud = await createAudience({
      name: `E2E pause ${RUN}`,
      criteria: {
        all: [
          { field: 'crm.lifecycle', op: 'eq', value: 'sql' },
          { field: 'crm.e2e', op: 'eq', value: RUN },
        ],
      },
      timestamp: { field: 'crm.mql_at', withinDays: 7 },
    });
    const id = destinations.meta;
    const conversion = await turnOn(aud.id, { destinationId: id, eventName: 'SQL' });
    await settled(aud.id);
    const before = (await fakeState('meta')).stored.length;
    // The first send fails, so the row waits in the outbox for its retry.
    await fake('meta', 'fault', { status: 500 });
    const who = `paused.${RUN}@example.com`;
    await browse(who);
    const res = await upsertPeople({
      people: [
        {
          email: who,
          source: 'crm',
          attributes: { lifecycle: 'sql', mql_at: new Date(Date.now() - DAY).toISOString(), e2e: RUN },
        },
      ],
    });
    await waitForJob(((await res.json()) as { jobId: string }).jobId);
    await drain(id);
    const [row] = await log(`destination=${id}&audience=${aud.id}`);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, conversionId: conversion.id });
    // Keyed apart from the audience's other conversions on Meta: a different event name.
    expect(row!.key).toMatch(/^[0-9a-f]{32}:[0-9a-f]{8}$/);
    expect(
      (await send(`/api/audiences/${aud.id}/conversions/${conversion.id}`, 'PATCH', { paused: true })).status,
    ).toBe(200);
    await flushAt(id, row!.dueAt! + 1000);
    expect((await log(`destination=${id}&audience=${aud.id}`))[0]).toMatchObject({
      status: 'queued',
      attempts: 1,
      note: expect.stringContaining('paused'),
    });
    expect(
      (await api(`/api/audiences/${aud.id}/conversions/${conversion.id}`, { method: 'DELETE' })).status,
    ).toBeLessThan(300);
    await flushAt(id, Date.now() + 60 * 60_000);
    expect((await log(`destination=${id}&audience=${aud.id}`))[0]).toMatchObject({
      status: 'skipped',
      skipReason: 'cancelled',
    });
    expect((await fakeState('meta')).stored.length).toBe(before);
    await settled(aud.id);
  });

  it('two flushes at once share one token refresh: a rotating refresh token never strands a batch', async () => {
    await realClocks();
    const id = destinations.linkedin;
    const before = (await fakeState('linkedin')).stored.length;
    await patch(id, { paused: true });
    const now = Date.now();
    const rows = Array.from({ length: 1100 }, (_, i) => ({
      id: `${i.toString(16).padStart(4, '0')}${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32),
      eventTime: Math.floor(now / 1000) - 3600,
      email: `burst.${i}.${RUN}@example.com`,
      touches: [{ kind: 'li_fat_id', value: crypto.randomUUID(), firstSeen: now - DAY }],
      devices: [],
      attributes: {},
      conversion: {},
    }));
    expect(await destinationById(env, id).enqueue(rows)).toMatchObject({ ok: true, value: { queued: 1100 } });
    // Unpausing drops the cached access token: both flushes below need a refresh.
    await patch(id, { paused: false });
    await Promise.all([destinationById(env, id).flushNow(), destinationById(env, id).flushNow()]);
    await drain(id);
    const stored = storedIds('linkedin', (await fakeState('linkedin')).stored.slice(before));
    expect(new Set(stored).size).toBe(1100);
    expect(stored).toHaveLength(1100);
  });
});
