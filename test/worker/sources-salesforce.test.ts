// Salesforce sources inside workerd, against the Salesforce fake (each test its own org): leads,
// contacts and opportunities (through their contact roles) reach people as `salesforce.*`, enter an
// audience and produce a conversion at the Meta fake; exact incremental paging on SystemModstamp
// with ties across pages; resume after a failure midway; the API limits; refused credentials;
// erasure; a missing field. (Bulk API 2.0 for a large first backfill is driven against the same fake
// in test/fakes/salesforce-connector.test.ts.)
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { destinationById as destinationObject } from '../../collector/objects/doors';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { createAudience, json, send, settled, turnOn } from './audiences-helpers';
import { api, env, person } from './helpers';
import { recordAlerts, source, sourceWaits } from './sources-helpers';

const SF = inject('salesforceUrl');
const META = inject('fakeUrls').meta;
const C = WORKER_FAKES.salesforce;
const RUN = Date.now().toString(36);
let n = 0;
const T = Date.now() - 3_600_000;

const newOrg = () => `sf-${RUN}-${++n}`;

async function control(org: string, body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${SF}/org/${org}/__control`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.status === 204 ? null : res.json();
}
const insert = async (org: string, object: string, values: Record<string, unknown>, at?: number): Promise<string> =>
  (await control(org, { action: 'insert', object, values, at })).id;
const update = (org: string, object: string, id: string, values: Record<string, unknown>, at?: number) =>
  control(org, { action: 'update', object, id, values, at });

async function createSource(org: string, settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const res = await send('/api/sources', 'POST', {
    type: 'salesforce',
    name: `Salesforce ${org}`,
    settings: {
      instanceUrl: 'https://acme.my.salesforce.com',
      clientId: C.clientId,
      clientSecret: C.clientSecret,
      refreshToken: C.refreshToken,
      endpoint: `${SF}/org/${org}`,
      tokenEndpoint: `${SF}/org/${org}`,
      ...settings,
    },
    ...extra,
  });
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

// Applying hundreds of new people is slow on a loaded machine.
const { until, finished, syncNow } = sourceWaits(240_000);

/** The requests the fake answered for this org (path and status). */
async function requests(org: string): Promise<{ path: string; status: number }[]> {
  const state = (await (await fetch(`${SF}/__fake/state`)).json()) as { requests: { path: string; status: number }[] };
  return state.requests.filter((r) => r.path.startsWith(`/org/${org}/`));
}

describe('Salesforce → audience → Meta, end to end', { timeout: 400_000 }, () => {
  it('leads, contacts and opportunities reach people as salesforce.*; a won opportunity produces one conversion at the Meta fake', async () => {
    const org = newOrg();
    const email = `won.${org}@example.com`;
    const today = new Date().toISOString().slice(0, 10);
    const dst = await json(
      await send('/api/destinations', 'POST', {
        type: 'meta',
        name: `Meta ${org}`,
        mode: 'live',
        endpoint: META,
        settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
      }),
    );
    const audience = await createAudience({
      name: `Salesforce won ${org}`,
      criteria: {
        all: [
          { field: 'salesforce.Opportunity.StageName', op: 'eq', value: 'Closed Won' },
          { field: 'salesforce.Contact.Department', op: 'eq', value: org },
        ],
      },
      timestamp: { field: 'salesforce.Opportunity.CloseDate', withinDays: 7 },
    });
    await turnOn(audience.id, { destinationId: dst.id });
    await settled(audience.id);

    await insert(
      org,
      'Lead',
      { Email: `Lead.${org}@Example.com`, LastName: 'Lee', Company: 'Acme', Status: 'Working - Contacted' },
      T,
    );
    const account = await insert(org, 'Account', { Name: `Acme ${org}` }, T);
    const contact = await insert(
      org,
      'Contact',
      { Email: email, LastName: 'Won', Department: org, AccountId: account },
      T,
    );
    const opp = await insert(
      org,
      'Opportunity',
      {
        Name: 'Big deal',
        StageName: 'Prospecting',
        Amount: 12500.5,
        CloseDate: '2027-03-31',
        IsWon: false,
        IsClosed: false,
      },
      T,
    );
    await insert(
      org,
      'OpportunityContactRole',
      { OpportunityId: opp, ContactId: contact, Role: 'Decision Maker', IsPrimary: true },
      T,
    );

    const src = await createSource(org);
    const first = await finished(src.id);
    expect(first).toMatchObject({ status: 'idle', lastError: null, fieldIssues: [] });
    expect(first.lastRun).toMatchObject({ rejected: 0, suppressed: 0 });
    expect(first.lastRun.applied).toBeGreaterThanOrEqual(3);
    const lead = await person(`lead.${org}@example.com`);
    expect(lead.attributes.salesforce.Lead).toMatchObject({
      Status: 'Working - Contacted',
      Company: 'Acme',
      CreatedDate: new Date(Math.floor(T / 1000) * 1000).toISOString(),
    });
    const p = await person(email);
    expect(p.attributes.salesforce.Contact).toMatchObject({ Department: org, Account: { Name: `Acme ${org}` } });
    expect(p.attributes.salesforce.Opportunity).toMatchObject({
      StageName: 'Prospecting',
      Amount: 12500.5,
      CloseDate: '2027-03-31T00:00:00.000Z',
      IsWon: false,
    });
    expect((await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions).toEqual([]);

    // Won in Salesforce today: the next sync reads the opportunity's change and the person enters the audience.
    await update(org, 'Opportunity', opp, { StageName: 'Closed Won', CloseDate: today, IsWon: true, IsClosed: true });
    const second = await syncNow(src.id);
    expect(second.lastRun.applied).toBeGreaterThanOrEqual(1);
    expect((await person(email)).attributes.salesforce.Opportunity).toMatchObject({
      StageName: 'Closed Won',
      CloseDate: `${today}T00:00:00.000Z`,
      IsWon: true,
    });

    const rows = await until(
      async () => {
        await runDurableObjectAlarm(destinationObject(env, dst.id) as unknown as DurableObjectStub);
        return (await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions as {
          status: string;
          entryId: string;
          request: { status: number } | null;
        }[];
      },
      (r) => r.length === 1 && r[0]!.status === 'sent',
      'conversion sent to Meta',
    );
    expect(rows[0]!.request?.status).toBe(200);
    const state = (await (await fetch(`${META}/__fake/state`)).json()) as {
      stored: { event: { event_id: string; event_time: number } }[];
    };
    const ours = state.stored.filter((s) => s.event.event_id === rows[0]!.entryId);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.event.event_time).toBe(Date.parse(`${today}T00:00:00Z`) / 1000);

    // Nothing new: nothing applied, nothing sent again.
    const idle = await syncNow(src.id);
    expect(idle.lastRun).toMatchObject({ read: 0, applied: 0 });
    expect((await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions).toHaveLength(1);
  });
});

describe('Salesforce sources: exact incremental reads', { timeout: 400_000 }, () => {
  it('250 leads sharing one SystemModstamp across a 200-record page boundary are applied exactly once, through nextRecordsUrl', async () => {
    const org = newOrg();
    await control(org, {
      action: 'generate',
      object: 'Lead',
      count: 250,
      values: { Email: `tie{i}.${org}@example.com`, LastName: 'Tie', Status: 'Open' },
      at: T,
    });
    const src = await createSource(org, { objects: ['Lead'], pageSize: 200 });
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 250, applied: 250, rejected: 0 });
    expect(done.lastRun.pages).toBe(2);
    expect(done.cursor.marks.Lead).toMatchObject({
      t: new Date(Math.floor(T / 1000) * 1000).toISOString(),
      id: expect.stringMatching(/^00Q/),
    });
    expect((await requests(org)).filter((r) => /\/services\/data\/v62\.0\/query\/01g/.test(r.path))).toHaveLength(1);
    expect((await person(`tie249.${org}@example.com`)).attributes.salesforce.Lead.Status).toBe('Open');
    // The mark sits on the last (SystemModstamp, Id): the next run reads nothing again.
    const again = await syncNow(src.id);
    expect(again.lastRun).toMatchObject({ read: 0, applied: 0 });
  });

  it('a run that fails midway resumes from its last committed page: every lead applied, none twice', async () => {
    const org = newOrg();
    await control(org, {
      action: 'generate',
      object: 'Lead',
      count: 230,
      values: { Email: `r{i}.${org}@example.com`, LastName: 'R', Status: 'Open' },
      at: T,
    });
    // The second page (the query's first nextRecordsUrl) fails with a 500.
    const fault = await fetch(`${SF}/__fake/fault`, {
      method: 'POST',
      body: JSON.stringify({ status: 500, path: `/org/${org}/services/data/v62.0/query/01g` }),
    });
    expect(fault.status).toBe(204);
    const src = await createSource(org, { objects: ['Lead'], pageSize: 200 });
    const failed = await until(
      () => source(src.id),
      (s) => s.status === 'waiting',
      'run waiting after the failure',
    );
    expect(failed.lastError).toMatchObject({
      kind: 'transient',
      platformMessage: 'SERVER_UNAVAILABLE: Server temporarily unavailable',
    });
    expect(failed.currentRun).toMatchObject({ read: 200, applied: 200 });
    const jobId = failed.currentRun.jobId;
    expect((await json(await send(`/api/sources/${src.id}/sync`, 'POST', {}))).jobId).toBe(jobId);
    const done = await finished(src.id, jobId);
    expect(done.lastRun).toMatchObject({ read: 230, applied: 230, rejected: 0 });
    expect(done.lastError).toBeNull();
  });
});

describe('Salesforce sources: limits, bad fields, erasure', { timeout: 400_000 }, () => {
  it('REQUEST_LIMIT_EXCEEDED waits (the allowance is daily), the usage shown, the refresh token rotated before it kept; sync now after it is lifted finishes', async () => {
    const org = newOrg();
    await insert(org, 'Lead', { Email: `lim.${org}@example.com`, LastName: 'L', Status: 'Open' }, T);
    await control(org, { action: 'usage', apiUsage: { used: 15_000, max: 15_000 } });
    const src = await createSource(org, { objects: ['Lead'] });
    const waiting = await until(
      () => source(src.id),
      (s) => s.lastError?.kind === 'rate_limited',
      'rate limited',
    );
    expect(waiting).toMatchObject({
      status: 'waiting',
      lastError: {
        message: expect.stringContaining('15001/15000'),
        platformMessage: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.',
      },
    });
    expect(Date.parse(waiting.nextRunAt) - Date.parse(waiting.lastError.at)).toBeGreaterThanOrEqual(14 * 60_000);
    await control(org, { action: 'usage', apiUsage: { used: 0, max: 15_000 } });
    // The refresh token rotated by the failed run's token request was saved: the next run uses it.
    const done = await syncNow(src.id);
    expect(done.lastRun).toMatchObject({ read: 1, applied: 1 });
    expect(done.lastError).toBeNull();
  });

  it('a 429 with Retry-After: the run waits that long, then goes on by itself', async () => {
    const org = newOrg();
    await insert(org, 'Lead', { Email: `rl.${org}@example.com`, LastName: 'L', Status: 'Open' }, T);
    expect(
      (
        await fetch(`${SF}/__fake/fault`, {
          method: 'POST',
          body: JSON.stringify({ status: 429, retryAfter: '2', path: `/org/${org}/services/data/v62.0/query` }),
        })
      ).status,
    ).toBe(204);
    const src = await createSource(org, { objects: ['Lead'] });
    const waiting = await until(
      () => source(src.id),
      (s) => s.lastError?.kind === 'rate_limited' || !!s.lastRun,
      'rate limited',
    );
    expect(waiting).toMatchObject({
      status: 'waiting',
      lastError: {
        kind: 'rate_limited',
        platformMessage: 'REQUEST_LIMIT_EXCEEDED: ConcurrentPerOrgLongTxn Limit exceeded.',
      },
    });
    const wait = Date.parse(waiting.nextRunAt) - Date.parse(waiting.lastError.at);
    expect(wait).toBeGreaterThanOrEqual(2000);
    expect(wait).toBeLessThan(3000);
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 1, applied: 1 });
  });

  it('a field missing from the org (or removed later) is reported on the source and skipped; the run goes on', async () => {
    const org = newOrg();
    const lead = await insert(
      org,
      'Lead',
      { Email: `f.${org}@example.com`, LastName: 'F', Status: 'Open', Title: 'CTO' },
      T,
    );
    const src = await createSource(org, { objects: ['Lead'], fields: { Lead: ['Status', 'Title', 'Rating__c'] } });
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 1, applied: 1 });
    expect(done.fieldIssues).toEqual([
      { field: 'Lead.Rating__c', reason: 'field does not exist on Lead', at: expect.any(String) },
    ]);
    expect((await person(`f.${org}@example.com`)).attributes.salesforce.Lead).toMatchObject({
      Status: 'Open',
      Title: 'CTO',
    });

    // Title deleted in Salesforce after it was described: the query's INVALID_FIELD names it; the rest syncs.
    await control(org, { action: 'removeField', object: 'Lead', field: 'Title' });
    await update(org, 'Lead', lead, { Status: 'Qualified' });
    const again = await syncNow(src.id);
    expect(again.lastRun).toMatchObject({ read: 1, applied: 1 });
    expect(again.lastError).toBeNull();
    expect(again.fieldIssues).toContainEqual({
      field: 'Lead.Title',
      reason: expect.stringContaining("No such column 'Title' on entity 'Lead'"),
      at: expect.any(String),
    });
    expect((await person(`f.${org}@example.com`)).attributes.salesforce.Lead.Status).toBe('Qualified');
  });

  it('an erased person is not recreated and is counted as suppressed', async () => {
    const org = newOrg();
    const gone = `gone.${org}@example.com`;
    expect((await api(`/api/people/${encodeURIComponent(gone)}`, { method: 'DELETE' })).status).toBe(200);
    await insert(org, 'Lead', { Email: gone, LastName: 'G', Status: 'Open' }, T);
    await insert(org, 'Lead', { Email: `kept.${org}@example.com`, LastName: 'K', Status: 'Open' }, T + 1000);
    const src = await createSource(org, { objects: ['Lead'] });
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ read: 2, applied: 1, suppressed: 1 });
    expect(await person(gone)).toBeNull();
  });
});

describe('Salesforce sources: credentials', { timeout: 400_000 }, () => {
  const alerts = recordAlerts();

  it('a revoked refresh token stops the source with Salesforce’s message and raises credentials_refused; the client-credentials flow starts it again', async () => {
    const org = newOrg();
    await insert(org, 'Lead', { Email: `c.${org}@example.com`, LastName: 'C', Status: 'Open' }, T);
    await control(org, { action: 'revokeRefreshTokens' });
    const src = await createSource(org, { objects: ['Lead'] });
    const stopped = await until(
      () => source(src.id),
      (s) => s.status === 'stopped',
      'source stopped',
    );
    expect(stopped.lastError).toMatchObject({
      kind: 'credentials',
      platformMessage: 'invalid_grant: expired access/refresh token',
    });
    expect(stopped.nextRunAt).toBeNull();
    await until(
      async () => alerts.received.length,
      (k) => k > 0,
      'alert sent',
    );
    expect(JSON.parse(alerts.received[0]!.body)).toMatchObject({
      kind: 'credentials_refused',
      sourceId: src.id,
      sourceType: 'salesforce',
    });
    expect(alerts.received[0]!.body).not.toContain(C.clientSecret);

    const fixed = await json(
      await send(`/api/sources/${src.id}`, 'PATCH', { settings: { refreshToken: null, flow: 'client_credentials' } }),
    );
    expect(fixed.status).not.toBe('stopped');
    expect(fixed.settings).not.toHaveProperty('refreshToken');
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ applied: 1 });
  });

  it('a rotated refresh token is saved sealed and used for the next refresh', async () => {
    const org = newOrg();
    await insert(org, 'Lead', { Email: `o.${org}@example.com`, LastName: 'O', Status: 'Open' }, T);
    const src = await createSource(org, { objects: ['Lead'] });
    const done = await finished(src.id);
    expect(done.lastRun).toMatchObject({ applied: 1 });
    expect(done.settings.refreshToken).toMatch(/^\*{4}.{4}$/);
    expect(JSON.stringify(done)).not.toContain(C.refreshToken);
    expect(done.settings.refreshToken).not.toBe(`****${C.refreshToken.slice(-4)}`);
    // Sessions expire: the next run refreshes with the rotated token (the first one is dead).
    await control(org, { action: 'expireSessions' });
    await insert(org, 'Lead', { Email: `o2.${org}@example.com`, LastName: 'O', Status: 'Open' });
    const again = await syncNow(src.id);
    expect(again.lastError).toBeNull();
    expect(again.lastRun).toMatchObject({ applied: 1 });
  });
});
