// End to end for Reddit, TikTok and ChatGPT Ads, inside workerd: the tag's click IDs and browser ids
// (rdt_cid, _rdt_uuid, ttclid, _ttp) with the browser's IP and user agent, a CRM upsert through the JOBS queue,
// an audience entry, a conversion row per destination, the DestinationObject outbox, and each
// platform's contract fake. Then 429 with Retry-After, 500, a timeout and an expired token; then
// dry_run and test mode. Time is the DestinationObject's injected clock; nothing sleeps for a backoff.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type DestinationObject } from '../../collector/objects/destination';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { createAudience, send, settled, turnOn } from './audiences-helpers';
import { api, collect, DAY, env, identifyEvent, PK, upsertPeople, waitForJob } from './helpers';
import { destinationById } from '../../collector/objects/doors';

// The end-to-end set of fakes: the faults injected here never reach other files' requests. (The
// other end-to-end suite uses that set too, but never these three platforms.)
const F = inject('e2eFakeUrls');
type Platform = 'reddit' | 'tiktok' | 'openai_ads';
const PLATFORMS: Platform[] = ['reddit', 'tiktok', 'openai_ads'];
const RUN = Date.now().toString(36);
const IP = '203.0.113.77';
const UA = 'Mozilla/5.0 (e2e) Reddit-TikTok';
let seq = 0;

const body = (p: Platform, mode = 'live') =>
  p === 'reddit'
    ? {
        type: p,
        name: `Reddit e2e ${RUN}`,
        mode,
        endpoint: F.reddit,
        settings: { ...WORKER_FAKES.reddit, testId: 't2_e2etest' },
      }
    : p === 'tiktok'
      ? {
          type: p,
          name: `TikTok e2e ${RUN}`,
          mode,
          endpoint: F.tiktok,
          settings: { ...WORKER_FAKES.tiktok, testEventCode: 'TEST_E2E_1' },
        }
      : { type: p, name: `ChatGPT Ads e2e ${RUN}`, mode, endpoint: F.openai_ads, settings: WORKER_FAKES.openai_ads };
const secretOf = (p: Platform) => (p === 'openai_ads' ? WORKER_FAKES.openai_ads.apiKey : WORKER_FAKES[p].accessToken);
const UNAUTHORIZED: Record<Platform, string> = { reddit: 'HTTP_401', tiktok: '40105', openai_ads: 'invalid_api_key' };

/** The id each platform keeps an event under: the entry id we sent. */
const idOf = (p: Platform, stored: any) =>
  p === 'reddit' ? stored.metadata.conversion_id : p === 'tiktok' ? stored.event_id : stored.id;

async function fakeState(p: Platform): Promise<{ requests: { path: string; status: number }[]; stored: any[] }> {
  return (await fetch(`${F[p]}/__fake/state`)).json();
}

async function fake(p: Platform, path: 'fault' | 'control', b: Record<string, unknown>) {
  const res = await fetch(`${F[p]}/__fake/${path}`, { method: 'POST', body: JSON.stringify(b) });
  expect(res.status, `${p} ${path}`).toBe(204);
}

/** A person who clicked a Reddit and a TikTok ad, identified from the browser as the tag does. */
async function browse(email: string) {
  const n = ++seq;
  const now = Date.now() - 60_000;
  const touches = [
    {
      kind: 'rdt_cid',
      value: `318474${Date.now() % 1e9}${n}`,
      firstSeen: now - DAY,
      landingUrl: 'https://shop.test/lp?rdt_cid=x',
    },
    { kind: 'rdt_uuid', value: `${now - 3 * DAY}.${crypto.randomUUID()}`, firstSeen: now - 3 * DAY },
    {
      kind: 'ttclid',
      value: `E.C.P.e2e_${RUN}_${n}`,
      firstSeen: now - 2 * DAY,
      landingUrl: 'https://shop.test/lp?ttclid=y',
    },
    { kind: 'ttp', value: `ttp${RUN}${n}abcdefgh`, firstSeen: now - 9 * DAY },
  ];
  const res = await collect(
    { key: PK, events: [identifyEvent(email, { anonymousId: `anon_rt_${RUN}_${n}`, touches })] },
    { 'cf-connecting-ip': IP, 'user-agent': UA },
  );
  expect(res.status).toBe(200);
  return Object.fromEntries(touches.map((t) => [t.kind, t.value]));
}

async function crmUpsert(emails: string[]) {
  const res = await upsertPeople({
    people: emails.map((email) => ({
      email,
      source: 'crm',
      attributes: {
        lifecycle: 'mql',
        mql_at: new Date(Date.now() - DAY).toISOString(),
        rt: RUN,
        deal: { amount: '990' },
      },
    })),
  });
  expect(res.status).toBe(202);
  expect(await waitForJob(((await res.json()) as { jobId: string }).jobId)).toMatchObject({
    applied: emails.length,
    failed: 0,
  });
}

type LogEntry = {
  id: string;
  entryId: string;
  destinationId: string;
  status: string;
  attempts: number;
  dueAt: number | null;
  note: string | null;
  error: { code: string; message: string } | null;
  request: { at: number; status: number | null; body?: any } | null;
};

async function log(query: string): Promise<LogEntry[]> {
  const res = await api(`/api/conversions?limit=200&${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversions: LogEntry[] }).conversions;
}

const stubOf = (id: string) => destinationById(env, id) as unknown as DurableObjectStub;
const inObject = runInDurableObject as unknown as (stub: unknown, fn: (o: DestinationObject) => void) => Promise<void>;
const setClock = (id: string, now: () => number, timeoutMs?: number) =>
  inObject(stubOf(id), (o) => {
    o.now = now;
    if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  });

async function drain(id: string) {
  await runDurableObjectAlarm(stubOf(id));
  for (let i = 0; i < 200; i++) {
    if (!(await destinationById(env, id).log({ status: 'leased', limit: 1 })).length) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('a request stayed in flight');
}

async function flushAt(id: string, at: number) {
  await setClock(id, () => at);
  await destinationById(env, id).flushNow();
  await setClock(id, () => Date.now());
}

/** Sends every retry at its due time until nothing is waiting. */
async function flushRetries(id: string) {
  for (let i = 0; i < 8; i++) {
    const queued = (await destinationById(env, id).log({ status: 'queued', limit: 20 })).filter(
      (r) => r.dueAt !== null,
    );
    if (!queued.length) return;
    await flushAt(id, Math.max(...queued.map((r) => r.dueAt!)) + 1000);
  }
}

async function patch(id: string, b: Record<string, unknown>) {
  const res = await send(`/api/destinations/${id}`, 'PATCH', b);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
}

const destinations = {} as Record<Platform, string>;
let audienceId = '';

beforeAll(async () => {
  for (const p of PLATFORMS) {
    const res = await send('/api/destinations', 'POST', body(p));
    const out = (await res.json()) as { id: string; settings: Record<string, string> };
    expect(res.status, JSON.stringify(out)).toBe(201);
    expect(JSON.stringify(out)).not.toContain(secretOf(p));
    destinations[p] = out.id;
  }
  const audience = await createAudience({
    name: `E2E Reddit/TikTok ${RUN}`,
    criteria: {
      all: [
        { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
        { field: 'crm.rt', op: 'eq', value: RUN },
      ],
    },
    timestamp: { field: 'crm.mql_at', withinDays: 7 },
  });
  audienceId = audience.id;
  await turnOn(audienceId, {
    destinationId: destinations.reddit,
    eventName: 'SIGN_UP',
    valueField: 'crm.deal.amount',
    currency: 'USD',
  });
  await turnOn(audienceId, {
    destinationId: destinations.tiktok,
    eventName: 'CompleteRegistration',
    valueField: 'crm.deal.amount',
    currency: 'USD',
  });
  await turnOn(audienceId, { destinationId: destinations.openai_ads, valueField: 'crm.deal.amount', currency: 'USD' });
  await settled(audienceId);
  for (const p of PLATFORMS) await setClock(destinations[p], () => Date.now(), 500);
}, 90_000);

describe('Reddit, TikTok and ChatGPT Ads end to end', { timeout: 120_000 }, () => {
  it('a CRM upsert reaches each fake once with the click, the browser id, the device and the hashed email', async () => {
    const who = `rt1.${RUN}@example.com`;
    const ids = await browse(who);
    await crmUpsert([who]);
    for (const p of PLATFORMS) await drain(destinations[p]);
    const rows = await log(`audience=${audienceId}`);
    expect(rows).toHaveLength(3);
    for (const r of rows)
      expect(r).toMatchObject({ status: 'sent', attempts: 1, error: null, request: { status: 200 } });
    const entry = rows[0]!.entryId;
    const r = (await fakeState('reddit')).stored.filter((e) => idOf('reddit', e) === entry);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({
      action_source: 'WEBSITE',
      type: { tracking_type: 'SIGN_UP' },
      click_id: ids.rdt_cid,
      metadata: { conversion_id: entry, value: 990, currency: 'USD' },
      user: { email: expect.stringMatching(/^[0-9a-f]{64}$/), uuid: ids.rdt_uuid, ip_address: IP, user_agent: UA },
    });
    const t = (await fakeState('tiktok')).stored.filter((e) => idOf('tiktok', e) === entry);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({
      event: 'CompleteRegistration',
      user: {
        email: expect.stringMatching(/^[0-9a-f]{64}$/),
        ttclid: ids.ttclid,
        ttp: ids.ttp,
        ip: IP,
        user_agent: UA,
      },
      properties: { value: 990, currency: 'USD' },
    });
    // ChatGPT Ads: no click id of its own; the hashed email and the device the person was last seen on.
    const o = (await fakeState('openai_ads')).stored.filter((e) => idOf('openai_ads', e) === entry);
    expect(o).toHaveLength(1);
    expect(o[0]).toMatchObject({
      type: 'lead_created',
      user: { email_sha256: expect.stringMatching(/^[0-9a-f]{64}$/), ip_address: IP, user_agent: UA },
      data: { type: 'customer_action', amount: 99000, currency: 'USD' },
    });
  });

  it('429 with Retry-After, 500 and a timeout are retried with the same ids; an expired token fails the row until retried', async () => {
    const who = `rt2.${RUN}@example.com`;
    for (const p of PLATFORMS)
      for (const f of [{ status: 429, retryAfter: '120' }, { status: 500 }, { hang: 'before' }, { status: 401 }])
        await fake(p, 'fault', f);
    await browse(who);
    await crmUpsert([who]);
    for (const p of PLATFORMS) {
      const id = destinations[p];
      const before = (await fakeState(p)).stored.length;
      await drain(id);
      let [row] = await log(`destination=${id}&email=${encodeURIComponent(who)}`);
      expect(row, p).toMatchObject({ status: 'queued', attempts: 1 });
      expect(row!.dueAt! - row!.request!.at, p).toBeGreaterThanOrEqual(120_000);
      await flushRetries(id);
      // The access token is not refreshable: the row ends with the platform's own error...
      [row] = await log(`destination=${id}&email=${encodeURIComponent(who)}`);
      expect(row, p).toMatchObject({ status: 'failed', attempts: 4, error: { code: UNAUTHORIZED[p] } });
      expect((await fakeState(p)).stored.length, p).toBe(before);
      // ...and goes once, with the same id, when retried from the log.
      expect((await send(`/api/conversions/${row!.id}/retry`, 'POST', {})).status).toBe(200);
      await drain(id);
      await flushAt(id, Date.now() + 60_000);
      [row] = await log(`destination=${id}&email=${encodeURIComponent(who)}`);
      expect(row, p).toMatchObject({ status: 'sent' });
      const stored = (await fakeState(p)).stored.slice(before);
      expect(
        stored.map((e) => idOf(p, e)),
        p,
      ).toEqual([row!.entryId]);
      await flushAt(id, Date.now() + 7 * DAY);
      expect((await fakeState(p)).stored.length - before, p).toBe(1);
    }
  });

  it('dry_run records the request and sends nothing; test mode sends with the test id / test event code and counts nothing', async () => {
    for (const [mode, n] of [
      ['dry_run', 3],
      ['test', 4],
    ] as const) {
      for (const p of PLATFORMS) await patch(destinations[p], { mode });
      const who = `rt${n}.${RUN}@example.com`;
      await browse(who);
      const before = new Map<Platform, { requests: number; stored: number }>();
      for (const p of PLATFORMS) {
        const s = await fakeState(p);
        before.set(p, { requests: s.requests.length, stored: s.stored.length });
      }
      await crmUpsert([who]);
      for (const p of PLATFORMS) {
        await drain(destinations[p]);
        const [row] = await log(`destination=${destinations[p]}&email=${encodeURIComponent(who)}`);
        const s = await fakeState(p);
        expect(s.stored.length, `${p} ${mode}`).toBe(before.get(p)!.stored);
        const detail = (await (await api(`/api/conversions/${row!.id}`)).json()) as any;
        const sentBody = detail.request.body;
        expect(JSON.stringify(detail), p).not.toContain(secretOf(p));
        if (mode === 'dry_run') {
          expect(row, p).toMatchObject({ status: 'sent', note: expect.stringContaining('dry_run') });
          expect(s.requests.length, p).toBe(before.get(p)!.requests);
          expect(
            p === 'reddit'
              ? sentBody.data.events[0].metadata.conversion_id
              : p === 'tiktok'
                ? sentBody.data[0].event_id
                : sentBody.events[0].id,
            p,
          ).toBe(row!.entryId);
        } else {
          expect(row, p).toMatchObject({ status: 'sent', request: { status: 200 } });
          expect(s.requests.length, p).toBe(before.get(p)!.requests + 1);
          if (p === 'reddit') expect(sentBody.data.test_id).toBe('t2_e2etest');
          else if (p === 'tiktok') expect(sentBody.test_event_code).toBe('TEST_E2E_1');
          else expect(sentBody.validate_only).toBe(true);
        }
      }
    }
    for (const p of PLATFORMS) await patch(destinations[p], { mode: 'live' });
  });
});
