// The Salesforce fake driven by Salesforce's own Node client, jsforce (pinned dev dependency):
// what the official client sends, the fake accepts, and what the fake answers, the client reads.
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake } from './salesforce';

const VERSION = '62.0';
let fake: SalesforceFake;
let token: string;

beforeAll(async () => {
  fake = await startSalesforceFake({
    clientId: 'sf-client',
    clientSecret: 'sf-secret',
    refreshToken: 'sf-refresh-1',
    rotate: true,
    clientCredentials: true,
  });
  const acct = fake.insert('Account', { Name: 'Acme' });
  for (let i = 0; i < 2500; i++)
    fake.insert(
      'Lead',
      { Email: `lead${i}@example.com`, LastName: `L${i}`, Status: 'Open', IsConverted: i % 2 === 0 },
      Date.UTC(2026, 0, 1),
    );
  const c = fake.insert('Contact', { Email: 'c@example.com', LastName: 'C', AccountId: acct });
  const opp = fake.insert('Opportunity', {
    Name: 'Deal',
    StageName: 'Prospecting',
    Amount: 5000,
    CloseDate: '2026-12-31',
  });
  fake.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: c, Role: 'Decision Maker' });
  const conn = new jsforce.Connection({
    oauth2: { clientId: 'sf-client', clientSecret: 'sf-secret', loginUrl: fake.url },
    version: VERSION,
  });
  await conn.authorize({ grant_type: 'client_credentials' });
  token = conn.accessToken!;
});
afterAll(() => fake.stop());

const connect = () => new jsforce.Connection({ instanceUrl: fake.url, accessToken: token, version: VERSION });

describe('jsforce against the Salesforce fake', () => {
  it('query answers 2,000 records a batch with nextRecordsUrl; queryMore reads the rest', async () => {
    const conn = connect();
    const first = await conn.query<{ Id: string; Email: string }>(
      'SELECT Id, Email FROM Lead WHERE Email != null AND SystemModstamp >= 2026-01-01T00:00:00Z ORDER BY SystemModstamp, Id',
    );
    expect(first.totalSize).toBe(2500);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    const rest = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl!);
    expect(rest.done).toBe(true);
    expect(rest.records).toHaveLength(500);
    const all = [...first.records, ...rest.records].map((r) => r.Id);
    expect(new Set(all).size).toBe(2500);
    expect([...all].sort()).toEqual(all);
  });

  it('autoFetch follows the locators to the end; Sforce-Limit-Info reaches conn.limitInfo', async () => {
    const conn = connect();
    const records: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query('SELECT Id FROM Lead')
        .on('record', (r) => records.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: 10_000 });
    });
    expect(records).toHaveLength(2500);
    expect(conn.limitInfo.apiUsage).toEqual({ used: expect.any(Number), limit: 100_000 });
  });

  it('parent paths nest, child subqueries answer their own result set', async () => {
    const conn = connect();
    const contacts = await conn.query<any>('SELECT Id, Email, Account.Name FROM Contact');
    expect(contacts.records[0]).toMatchObject({
      attributes: { type: 'Contact' },
      Email: 'c@example.com',
      Account: { attributes: { type: 'Account' }, Name: 'Acme' },
    });
    const opps = await conn.query<any>(
      'SELECT Id, StageName, Amount, CloseDate, SystemModstamp, (SELECT Id, Role, Contact.Email FROM OpportunityContactRoles) FROM Opportunity',
    );
    const o = opps.records[0];
    expect(o).toMatchObject({ StageName: 'Prospecting', Amount: 5000, CloseDate: '2026-12-31' });
    expect(o.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    expect(o.OpportunityContactRoles).toMatchObject({
      totalSize: 1,
      done: true,
      records: [{ Role: 'Decision Maker', Contact: { Email: 'c@example.com' } }],
    });
  });

  it('refuses what Salesforce refuses, with its error codes', async () => {
    const conn = connect();
    const fails = async (q: string) =>
      conn.query(q).then(
        () => null,
        (e: Error) => e,
      );
    expect(await fails('SELECT Id, Nope__c FROM Lead')).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining("No such column 'Nope__c' on entity 'Lead'"),
    });
    expect(await fails('SELECT Id, Acount.Name FROM Contact')).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining("Didn't understand relationship 'Acount'"),
    });
    expect(await fails('SELECT Id FROM Lead OFFSET 10')).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(await fails("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'")).toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    expect(await fails("SELECT Id FROM Lead WHERE Id > 'nope'")).toMatchObject({
      errorCode: 'INVALID_QUERY_FILTER_OPERATOR',
    });
    expect(await fails('SELECT Id FROM Leed')).toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('describe lists the fields with their types and relationships', async () => {
    const d = await connect().sobject('Contact').describe();
    expect(d.name).toBe('Contact');
    expect(d.fields.find((f) => f.name === 'AccountId')).toMatchObject({
      type: 'reference',
      relationshipName: 'Account',
      referenceTo: ['Account'],
    });
    expect(d.fields.find((f) => f.name === 'Birthdate')).toMatchObject({ type: 'date' });
  });

  it('an expired session: jsforce refreshes with the refresh token (rotated) and retries', async () => {
    const oauth = new jsforce.OAuth2({ clientId: 'sf-client', clientSecret: 'sf-secret', loginUrl: fake.url });
    const first = await oauth.refreshToken('sf-refresh-1');
    expect(first).toMatchObject({ token_type: 'Bearer', instance_url: fake.url, scope: 'api refresh_token' });
    const rotated = first.refresh_token!;
    expect(rotated).toBeTruthy();
    await expect(oauth.refreshToken('sf-refresh-1')).rejects.toMatchObject({ name: 'invalid_grant' });
    const conn = new jsforce.Connection({
      oauth2: oauth,
      instanceUrl: fake.url,
      accessToken: 'expired!token',
      refreshToken: rotated,
      version: VERSION,
    });
    let refreshed = '';
    conn.on('refresh', (accessToken: string) => void (refreshed = accessToken));
    const r = await conn.query('SELECT COUNT() FROM Lead WHERE IsConverted = true');
    expect(r.totalSize).toBe(1250);
    expect(refreshed).toBeTruthy();
  });

  // jsforce pipes every results page into one stream that ends with the first page, so its reader
  // takes one page: the Sforce-Locator paging is proven in salesforce.test.ts and by the connector.
  it('Bulk API 2.0: bulk2.query creates the job, polls it, and reads the CSV results', async () => {
    const conn = connect();
    const stream = await conn.bulk2.query('SELECT Id, Email, IsConverted FROM Lead WHERE IsConverted = true', {
      pollInterval: 20,
      pollTimeout: 5000,
    });
    const rows: Record<string, string>[] = [];
    await new Promise<void>((resolve, reject) =>
      stream
        .on('record', (r: Record<string, string>) => rows.push(r))
        .on('end', () => resolve())
        .on('error', reject),
    );
    expect(rows).toHaveLength(1250);
    expect(new Set(rows.map((r) => r.Id)).size).toBe(1250);
    expect(rows[0]).toMatchObject({ IsConverted: 'true', Email: expect.stringMatching(/@example\.com$/) });
    const job = fake.requests.filter((q) => q.path.includes('/jobs/query'));
    expect(job.map((q) => q.method)).toEqual(['POST', 'GET', 'GET', 'GET']); // create, InProgress, JobComplete, results
    expect(job.at(-1)!.path).toMatch(/\/jobs\/query\/750\w+\/results$/);
  });

  it('Bulk API 2.0 refuses subqueries and aggregates', async () => {
    const conn = connect();
    await expect(
      conn.bulk2.query('SELECT Id, (SELECT Id FROM OpportunityContactRoles) FROM Opportunity', {
        pollInterval: 20,
        pollTimeout: 2000,
      }),
    ).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });
});
