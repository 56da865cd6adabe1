// The Salesforce connector (pure fetch, as in the Worker) driven page by page against the fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SourceError,
  type FetchContext,
  type FieldIssue,
  type SourceCursor,
  type SourceRecord,
} from '../../collector/sources/connector';
import { createSalesforceConnector } from '../../collector/sources/salesforce/connector';
import { startSalesforceFake, type SalesforceFake, type SalesforceFakeOptions } from './salesforce';
import { Clock, DAY, T0 } from './support';

const HOUR = 3_600_000;
const connector = createSalesforceConnector({ sleep: async () => {}, bulkPollMs: [0, 0, 0] });
let clock: Clock;
let fake: SalesforceFake;
let saved: { refreshToken?: string; accessToken?: { value: string; expiresAt: number } };

async function start(over: Partial<SalesforceFakeOptions> = {}) {
  fake = await startSalesforceFake({
    clientId: 'sf-client',
    clientSecret: 'sf-secret',
    refreshToken: 'sf-refresh-1',
    clientCredentials: true,
    now: clock.now,
    ...over,
  });
}
beforeEach(async () => {
  clock = new Clock(T0);
  saved = { refreshToken: 'sf-refresh-1' };
  await start();
});
afterEach(() => fake.stop());

function settings(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instanceUrl: 'https://acme.my.salesforce.com',
    clientId: 'sf-client',
    clientSecret: 'sf-secret',
    refreshToken: saved.refreshToken,
    endpoint: fake.url,
    tokenEndpoint: fake.url,
    pageSize: 200,
    ...over,
  };
}

function ctx(
  cursor: SourceCursor | null,
  over: Record<string, unknown> = {},
  since: string | null = null,
): FetchContext {
  return { settings: settings(over), cursor, since, fetch, now: clock.now, accessToken: saved.accessToken };
}

/** What the framework does: pages until done, saving rotated tokens and the access token between pages. */
async function run(
  cursor: SourceCursor | null,
  over: Record<string, unknown> = {},
  opts: { since?: string | null; maxPages?: number } = {},
) {
  const records: SourceRecord[] = [];
  const issues: FieldIssue[] = [];
  let calls = 0;
  let pages = 0;
  for (;;) {
    const page = await connector.fetchPage(ctx(cursor, over, opts.since ?? null));
    pages++;
    records.push(...page.records);
    issues.push(...page.issues);
    calls += page.apiCalls;
    cursor = JSON.parse(JSON.stringify(page.cursor));
    if (page.tokens?.refreshToken) saved.refreshToken = page.tokens.refreshToken;
    if (page.accessToken) saved.accessToken = page.accessToken;
    if (page.done || pages === opts.maxPages)
      return { records, issues, calls, pages, cursor: cursor!, done: page.done };
    if (pages > 500) throw new Error('no end');
  }
}

const leads = (n: number, at: number, over: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) =>
    fake.insert(
      'Lead',
      { Email: `lead${i}@example.com`, LastName: `L${i}`, Status: 'Open - Not Contacted', ...over },
      at,
    ),
  );
const ids = (rs: SourceRecord[]) => rs.map((r) => r.id);

describe('Salesforce connector: exact incremental reads', () => {
  it('reads leads with their fields named Lead.*, dates as ISO instants, and ends with done', async () => {
    const id = fake.insert(
      'Lead',
      {
        Email: 'Ada@Example.com',
        FirstName: 'Ada',
        LastName: 'Lovelace',
        Status: 'Working',
        IsConverted: true,
        ConvertedDate: '2026-11-02',
        AnnualRevenue: 5,
      },
      T0 - DAY,
    );
    const r = await run(null, { objects: ['Lead'] });
    expect(r.records).toEqual([
      {
        id,
        email: 'Ada@Example.com',
        modifiedAt: new Date(T0 - DAY).toISOString(),
        attributes: expect.objectContaining({
          'Lead.FirstName': 'Ada',
          'Lead.Status': 'Working',
          'Lead.IsConverted': true,
          'Lead.ConvertedDate': '2026-11-02T00:00:00.000Z',
          'Lead.CreatedDate': new Date(T0 - DAY).toISOString(),
          'Lead.Phone': null,
        }),
      },
    ]);
    expect(r.records[0]!.attributes).not.toHaveProperty('Lead.Email');
    expect(r.issues).toEqual([]);
    // Nothing changed: the next run reads nothing.
    const again = await run(r.cursor, { objects: ['Lead'] });
    expect(again.records).toEqual([]);
  });

  it('2,500 leads sharing one SystemModstamp across batches and query limits: each exactly once', async () => {
    const first = await run(null, { objects: ['Lead'] });
    const at = T0 + HOUR;
    clock.ms = at + 60_000;
    const made = leads(2500, at);
    // LIMIT 2,000 per query (10 batches of 200): the second query starts inside the tie, on Id.
    const r = await run(first.cursor, { objects: ['Lead'] });
    expect(ids(r.records).sort()).toEqual([...made].sort());
    expect(new Set(ids(r.records)).size).toBe(2500);
    // Described once (the first run), not per page: types are kept in the cursor for a day.
    expect(fake.requests.filter((q) => q.path.endsWith('/describe'))).toHaveLength(1);
    expect(r.calls).toBe(r.pages + 1); // one call a page, plus a token (the cached one expired in the hour)
    const queries = fake.requests.filter((q) => q.path.endsWith('/query')).map((q) => q.query.q!);
    expect(queries.at(-1)).toMatch(/SystemModstamp = \S+Z AND Id > '00Q/);
  });

  it('250 records sharing one stamp: a page boundary where the query locator expired re-queries from (SystemModstamp, Id)', async () => {
    const first = await run(null, { objects: ['Lead'] });
    clock.ms = T0 + HOUR;
    const made = leads(250, T0 + HOUR);
    const p1 = await run(first.cursor, { objects: ['Lead'] }, { maxPages: 1 });
    expect(p1.records).toHaveLength(200);
    expect(p1.done).toBe(false);
    fake.expireLocators();
    const p2 = await run(p1.cursor, { objects: ['Lead'] });
    expect([...ids(p1.records), ...ids(p2.records)].sort()).toEqual([...made].sort());
  });

  it('a run that stops after any page resumes from its cursor: every record once', async () => {
    const made = leads(700, T0 - DAY);
    const all: string[] = [];
    let cursor: SourceCursor | null = null;
    for (let i = 0; i < 20; i++) {
      const r = await run(cursor, { objects: ['Lead'] }, { maxPages: 1 });
      all.push(...ids(r.records));
      cursor = r.cursor;
      if (r.done) break;
    }
    expect(all.sort()).toEqual([...made].sort());
  });

  it('a change after a run arrives in the next, once, with its new values', async () => {
    const [id] = leads(3, T0 - DAY);
    const r1 = await run(null, { objects: ['Lead'] });
    clock.ms = T0 + HOUR;
    fake.update('Lead', id!, { Status: 'Qualified' });
    const r2 = await run(r1.cursor, { objects: ['Lead'] });
    expect(r2.records.map((r) => [r.id, r.attributes['Lead.Status']])).toEqual([[id, 'Qualified']]);
  });

  it('backfillDays: the first run reads from `since` on', async () => {
    fake.insert('Lead', { Email: 'old@example.com' }, T0 - 40 * DAY);
    const recent = fake.insert('Lead', { Email: 'new@example.com' }, T0 - 2 * DAY);
    const r = await run(null, { objects: ['Lead'] }, { since: new Date(T0 - 30 * DAY).toISOString() });
    expect(ids(r.records)).toEqual([recent]);
  });

  it('contacts carry Account.Name; records without an email are not read', async () => {
    const acct = fake.insert('Account', { Name: 'Acme' }, T0 - DAY);
    const c = fake.insert(
      'Contact',
      { Email: 'c@example.com', LastName: 'C', Title: 'CTO', AccountId: acct },
      T0 - DAY,
    );
    fake.insert('Contact', { LastName: 'No email' }, T0 - DAY);
    const r = await run(null, { objects: ['Contact'] });
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      id: c,
      email: 'c@example.com',
      attributes: { 'Contact.Title': 'CTO', 'Contact.Account.Name': 'Acme' },
    });
  });
});

describe('Salesforce connector: opportunities through contact roles', () => {
  it('applies Opportunity.* to each contact role person; a stage change and a new role arrive in the next run', async () => {
    await fake.stop();
    await start({ multiCurrency: true });
    const c1 = fake.insert('Contact', { Email: 'one@example.com', LastName: 'One' }, T0 - 3 * DAY);
    const c2 = fake.insert('Contact', { Email: 'two@example.com', LastName: 'Two' }, T0 - 3 * DAY);
    const c3 = fake.insert('Contact', { Email: 'three@example.com', LastName: 'Three' }, T0 - 3 * DAY);
    const opp = fake.insert(
      'Opportunity',
      {
        Name: 'Deal',
        StageName: 'Prospecting',
        Amount: 5000,
        CloseDate: '2026-12-31',
        IsWon: false,
        IsClosed: false,
        CurrencyIsoCode: 'EUR',
      },
      T0 - 2 * DAY,
    );
    fake.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: c1, Role: 'Decision Maker' }, T0 - 2 * DAY);
    fake.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: c2 }, T0 - 2 * DAY);
    const r1 = await run(null, { objects: ['Opportunity'] });
    expect(r1.records.map((r) => r.email).sort()).toEqual(['one@example.com', 'two@example.com']);
    expect(r1.records[0]!.attributes).toEqual({
      'Opportunity.StageName': 'Prospecting',
      'Opportunity.Amount': 5000,
      'Opportunity.CloseDate': '2026-12-31T00:00:00.000Z',
      'Opportunity.IsWon': false,
      'Opportunity.IsClosed': false,
      'Opportunity.Type': null,
      'Opportunity.LeadSource': null,
      'Opportunity.CreatedDate': new Date(T0 - 2 * DAY).toISOString(),
      'Opportunity.CurrencyIsoCode': 'EUR',
    });

    clock.ms = T0 + HOUR;
    fake.update('Opportunity', opp, { StageName: 'Closed Won', IsWon: true, IsClosed: true });
    const r2 = await run(r1.cursor, { objects: ['Opportunity'] });
    expect(r2.records.map((r) => [r.email, r.attributes['Opportunity.StageName'], r.modifiedAt]).sort()).toEqual([
      ['one@example.com', 'Closed Won', new Date(T0 + HOUR).toISOString()],
      ['two@example.com', 'Closed Won', new Date(T0 + HOUR).toISOString()],
    ]);

    // A role added later leaves the opportunity's SystemModstamp alone: the role stream finds it.
    clock.ms = T0 + 2 * HOUR;
    fake.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: c3 });
    const r3 = await run(r2.cursor, { objects: ['Opportunity'] });
    expect(r3.records.map((r) => [r.email, r.attributes['Opportunity.StageName']])).toEqual([
      ['three@example.com', 'Closed Won'],
    ]);
  });
});

describe('Salesforce connector: many contact roles', () => {
  it('an opportunity whose roles span several subquery batches reaches every role person when it changes', async () => {
    await fake.stop();
    await start({ subqueryBatch: 200 });
    const opp = fake.insert('Opportunity', { StageName: 'Prospecting' }, T0 - DAY);
    for (let i = 0; i < 450; i++)
      fake.insert(
        'OpportunityContactRole',
        { OpportunityId: opp, ContactId: fake.insert('Contact', { Email: `r${i}@example.com` }, T0 - DAY) },
        T0 - DAY,
      );
    const r1 = await run(null, { objects: ['Opportunity'] });
    expect(r1.records).toHaveLength(450);
    clock.ms = T0 + HOUR;
    fake.update('Opportunity', opp, { StageName: 'Closed Won' });
    const r2 = await run(r1.cursor, { objects: ['Opportunity'] });
    expect(new Set(r2.records.map((r) => r.email)).size).toBe(450);
    expect(r2.records.every((r) => r.attributes['Opportunity.StageName'] === 'Closed Won')).toBe(true);
  });
});

describe('Salesforce connector: credentials', () => {
  it('refresh_token grant: a rotated refresh token is handed back; an expired session is refreshed once with it', async () => {
    await fake.stop();
    await start({ rotate: true });
    leads(2, T0 - DAY);
    const p1 = await connector.fetchPage(ctx(null, { objects: ['Lead'] }));
    expect(p1.tokens?.refreshToken).toBeTruthy();
    expect(p1.tokens!.refreshToken).not.toBe('sf-refresh-1');
    expect(p1.accessToken?.value).toBeTruthy();
    saved = { refreshToken: p1.tokens!.refreshToken, accessToken: p1.accessToken };
    fake.expireSessions();
    const grants = fake.tokenGrants;
    const p2 = await connector.fetchPage(ctx(p1.cursor, { objects: ['Lead'] }));
    expect(fake.tokenGrants).toBe(grants + 1);
    expect(p2.accessToken?.value).not.toBe(p1.accessToken!.value);
    expect(p2.tokens?.refreshToken).toBe([...fake.refreshTokens][0]);
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('a cached token still valid is used without a token request; apiCalls counts every call', async () => {
    leads(1, T0 - DAY);
    const p1 = await connector.fetchPage(ctx(null, { objects: ['Lead'] }));
    saved.accessToken = p1.accessToken;
    const before = fake.requests.length;
    const p2 = await connector.fetchPage(ctx(p1.cursor, { objects: ['Lead'] }));
    expect(fake.requests.slice(before).some((r) => r.path.endsWith('/token'))).toBe(false);
    expect(p2.apiCalls).toBe(fake.requests.length - before);
    expect(p1.apiCalls).toBe(before); // token + describe + query
  });

  it('client-credentials flow without a refresh token', async () => {
    leads(1, T0 - DAY);
    saved.refreshToken = undefined;
    const r = await run(null, { objects: ['Lead'] });
    expect(r.records).toHaveLength(1);
    expect(fake.requests[0]!.body).toMatch(/grant_type=client_credentials/);
  });

  it('invalid_grant stops with a credentials error carrying the platform message', async () => {
    fake.revokeRefreshTokens();
    const e = await connector.fetchPage(ctx(null)).catch((x) => x);
    expect(e).toBeInstanceOf(SourceError);
    expect(e).toMatchObject({ kind: 'credentials', platformMessage: 'invalid_grant: expired access/refresh token' });
  });

  it('a wrong client secret is a credentials error too', async () => {
    const e = await connector.fetchPage(ctx(null, { clientSecret: 'not-the-secret' })).catch((x) => x);
    expect(e).toMatchObject({ kind: 'credentials', platformMessage: 'invalid_client: invalid client credentials' });
  });

  it('malformed settings are a config error before any call', async () => {
    const e = await connector.fetchPage(ctx(null, { apiVersion: '62' })).catch((x) => x);
    expect(e).toMatchObject({ kind: 'config' });
    expect(e.message).toMatch(/apiVersion/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Salesforce connector: limits', () => {
  it('REQUEST_LIMIT_EXCEEDED is rate_limited with the usage Sforce-Limit-Info reported', async () => {
    await fake.stop();
    await start({ dailyLimit: 1 });
    leads(1, T0 - DAY);
    const e = await connector.fetchPage(ctx(null, { objects: ['Lead'] })).catch((x) => x);
    expect(e).toBeInstanceOf(SourceError);
    expect(e).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 15 * 60_000,
      platformMessage: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.',
    });
    expect(e.message).toMatch(/api-usage 2\/1/);
  });

  it('each page reports the API usage Salesforce announced', async () => {
    leads(1, T0 - DAY);
    const p = await connector.fetchPage(ctx(null, { objects: ['Lead'] }));
    expect(p.apiUsage).toEqual({ used: 2, max: 100_000 });
  });

  it('429 with Retry-After is rate_limited for that long; a 503 is transient', async () => {
    fake.fault({ status: 429, retryAfter: '30', path: '/query' });
    const e = await connector.fetchPage(ctx(null, { objects: ['Lead'] })).catch((x) => x);
    expect(e).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    fake.fault({ status: 503, path: '/query' });
    expect(await connector.fetchPage(ctx(null, { objects: ['Lead'] })).catch((x) => x)).toMatchObject({
      kind: 'transient',
    });
  });
});

describe('Salesforce connector: fields missing, renamed or mistyped', () => {
  it('a configured field absent from describe is reported and skipped; the run goes on', async () => {
    leads(2, T0 - DAY);
    const r = await run(null, { objects: ['Lead'], fields: { Lead: ['Status', 'Score__c'] } });
    expect(r.records).toHaveLength(2);
    expect(r.records[0]!.attributes).toEqual({ 'Lead.Status': 'Open - Not Contacted' });
    expect(r.issues).toContainEqual({ field: 'Lead.Score__c', reason: 'field does not exist on Lead' });
  });

  it('a field added to the settings is described at once and its values typed', async () => {
    const id = fake.insert('Lead', { Email: 'a@example.com', NumberOfEmployees: 'fifty' }, T0 - DAY);
    const r1 = await run(null, { objects: ['Lead'], fields: { Lead: ['Status'] } });
    expect(r1.issues).toEqual([]);
    clock.ms = T0 + HOUR;
    fake.update('Lead', id, { Status: 'Working' });
    const describes = () => fake.requests.filter((q) => q.path.endsWith('/describe')).length;
    const before = describes();
    const r2 = await run(r1.cursor, { objects: ['Lead'], fields: { Lead: ['Status', 'NumberOfEmployees'] } });
    expect(describes()).toBe(before + 1);
    expect(r2.records[0]!.attributes).toEqual({ 'Lead.Status': 'Working' });
    expect(r2.issues).toContainEqual({ field: 'Lead.NumberOfEmployees', reason: 'expected a number, got "fifty"' });
  });

  it('INVALID_FIELD from the query (a field removed after describe, a wrong parent field): reported, query retried without it', async () => {
    const acct = fake.insert('Account', { Name: 'Acme' }, T0 - DAY);
    fake.insert('Contact', { Email: 'c@example.com', Title: 'CTO', Department: 'R&D', AccountId: acct }, T0 - DAY);
    const r1 = await run(null, { objects: ['Contact'], fields: { Contact: ['Title', 'Department', 'Account.Nmae'] } });
    expect(r1.records[0]!.attributes).toEqual({ 'Contact.Title': 'CTO', 'Contact.Department': 'R&D' });
    expect(r1.issues.map((i) => i.field)).toContain('Contact.Account.Nmae');
    expect(r1.issues.find((i) => i.field === 'Contact.Account.Nmae')!.reason).toMatch(
      /No such column 'Nmae' on entity 'Account'/,
    );

    clock.ms = T0 + HOUR;
    fake.removeField('Contact', 'Department'); // the describe in the cursor still lists it
    fake.insert('Contact', { Email: 'd@example.com', Title: 'CEO' });
    const r2 = await run(r1.cursor, { objects: ['Contact'], fields: { Contact: ['Title', 'Department'] } });
    expect(r2.records.map((r) => r.attributes)).toEqual([{ 'Contact.Title': 'CEO' }]);
    expect(r2.issues.map((i) => i.field)).toContain('Contact.Department');
  });

  it('a value of another type than described is reported and skipped; the record keeps its other attributes', async () => {
    const c = fake.insert('Contact', { Email: 'one@example.com' }, T0 - DAY);
    const opp = fake.insert('Opportunity', { StageName: 'Prospecting', Amount: 'lots' }, T0 - DAY);
    fake.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: c }, T0 - DAY);
    const r = await run(null, { objects: ['Opportunity'], fields: { Opportunity: ['StageName', 'Amount'] } });
    expect(r.records[0]!.attributes).toEqual({ 'Opportunity.StageName': 'Prospecting' });
    expect(r.issues).toContainEqual({ field: 'Opportunity.Amount', reason: 'expected a number, got "lots"' });
  });
});

describe('Salesforce connector: Bulk API 2.0 first backfill', () => {
  it('a first run above the threshold reads the rest through a bulk job, then SOQL from the job bound: each record once', async () => {
    const old = leads(900, T0 - 10 * DAY, { IsConverted: true, ConvertedDate: '2026-01-05' });
    const recent = Array.from({ length: 5 }, (_, i) =>
      fake.insert('Lead', { Email: `recent${i}@example.com` }, T0 - 60_000),
    );
    const r = await run(null, { objects: ['Lead'], bulkThreshold: 500 });
    expect(ids(r.records).sort()).toEqual([...old, ...recent].sort());
    expect(fake.jobs.size).toBe(1);
    const bulkRecord = r.records.find((x) => x.id === old.at(-1))!;
    expect(bulkRecord.attributes).toMatchObject({
      'Lead.IsConverted': true,
      'Lead.ConvertedDate': '2026-01-05T00:00:00.000Z',
      'Lead.Phone': null,
      'Lead.CreatedDate': new Date(T0 - 10 * DAY).toISOString(),
    });
    expect(bulkRecord.modifiedAt).toBe(new Date(T0 - 10 * DAY).toISOString());
    const results = fake.requests.filter((q) => q.path.endsWith('/results'));
    expect(results.length).toBe(4); // 700 after the first SOQL batch, 200 a page
    expect(results.every((q) => q.query.maxRecords === '200')).toBe(true);
    // Under the threshold, no job.
    const again = await run(r.cursor, { objects: ['Lead'], bulkThreshold: 500 });
    expect(again.records).toEqual([]);
    expect(fake.jobs.size).toBe(1);
  });

  it('a job still running ends the run (done) and the next run resumes it from the cursor', async () => {
    await fake.stop();
    await start({ bulkPolls: 5 });
    const made = leads(450, T0 - 10 * DAY);
    const r1 = await run(null, { objects: ['Lead'], bulkThreshold: 100 });
    expect(r1.done).toBe(true);
    expect(r1.records).toHaveLength(200);
    expect((r1.cursor as { bulk?: { jobId: string } }).bulk?.jobId).toBeTruthy();
    const r2 = await run(r1.cursor, { objects: ['Lead'], bulkThreshold: 100 });
    expect([...ids(r1.records), ...ids(r2.records)].sort()).toEqual([...made].sort());
  });
});

describe('Salesforce connector: a failed bulk job', () => {
  it('falls back to SOQL from the mark: every record once, the failure reported', async () => {
    const made = leads(450, T0 - 10 * DAY);
    fake.failBulkJobs();
    const r = await run(null, { objects: ['Lead'], bulkThreshold: 100 });
    expect(fake.jobs.size).toBe(1);
    expect(ids(r.records).sort()).toEqual([...made].sort());
    expect(r.issues).toContainEqual({ field: 'Lead.bulk', reason: 'Bulk API job failed; read with SOQL instead' });
  });
});

describe('Salesforce connector: listFields', () => {
  it('lists each object`s fields from describe with the audience builder`s types', async () => {
    const fields = await connector.listFields(ctx(null, { objects: ['Lead', 'Opportunity'] }));
    expect(fields).toContainEqual({ name: 'Lead.Status', label: 'Lead: Status', type: 'string' });
    expect(fields).toContainEqual({ name: 'Lead.IsConverted', label: 'Lead: Is Converted', type: 'boolean' });
    expect(fields).toContainEqual({ name: 'Lead.ConvertedDate', label: 'Lead: Converted Date', type: 'date' });
    expect(fields).toContainEqual({ name: 'Opportunity.Amount', label: 'Opportunity: Amount', type: 'number' });
    expect(fields.some((f) => f.name === 'Lead.Address')).toBe(false);
    expect(fake.requests.filter((r) => r.path.endsWith('/describe')).map((r) => r.path)).toEqual([
      '/services/data/v62.0/sobjects/Lead/describe',
      '/services/data/v62.0/sobjects/Opportunity/describe',
    ]);
  });
});
