// The Salesforce fake's own rules, driven by hand: what it refuses and the answers' shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http';
import { startSalesforceFake, type SalesforceFake } from './salesforce';
import { Clock, T0 } from './support';

const clock = new Clock(T0);
let fake: SalesforceFake;
let token: string;
const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${fake.url}/services/data/v62.0${path}`, {
    method: 'GET',
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
const q = (soql: string, headers: Record<string, string> = {}) =>
  api(`/query?q=${encodeURIComponent(soql)}`, { headers });

beforeAll(async () => {
  fake = await startSalesforceFake({
    clientId: 'sf-client',
    clientSecret: 'sf-secret',
    refreshToken: 'sf-refresh-1',
    sessionSeconds: 900,
    bulkPolls: 0,
    dailyLimit: 1000,
    now: clock.now,
  });
  for (let i = 0; i < 450; i++)
    fake.insert('Lead', { Email: `l${i}@example.com`, LastName: `Smith, "${i}"` }, T0 - 1000);
  const r = await call(`${fake.url}/services/oauth2/token`, {
    form: {
      grant_type: 'refresh_token',
      client_id: 'sf-client',
      client_secret: 'sf-secret',
      refresh_token: 'sf-refresh-1',
    },
  });
  token = r.body.access_token;
});
afterAll(() => fake.stop());

describe('Salesforce fake: OAuth', () => {
  it.each([
    [{ grant_type: 'password' }, 'unsupported_grant_type'],
    [
      { grant_type: 'refresh_token', client_id: 'x', client_secret: 'sf-secret', refresh_token: 'sf-refresh-1' },
      'invalid_client_id',
    ],
    [
      { grant_type: 'refresh_token', client_id: 'sf-client', client_secret: 'x', refresh_token: 'sf-refresh-1' },
      'invalid_client',
    ],
    [
      { grant_type: 'refresh_token', client_id: 'sf-client', client_secret: 'sf-secret', refresh_token: 'old' },
      'invalid_grant',
    ],
    [{ grant_type: 'client_credentials', client_id: 'sf-client', client_secret: 'sf-secret' }, 'invalid_grant'], // not enabled on this app
  ])('refuses %j with %s', async (form, error) => {
    const r = await call(`${fake.url}/services/oauth2/token`, { form: form as Record<string, string> });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(error);
  });

  it('a session dies after the org session timeout: 401 INVALID_SESSION_ID', async () => {
    const r = await call(`${fake.url}/services/oauth2/token`, {
      form: {
        grant_type: 'refresh_token',
        client_id: 'sf-client',
        client_secret: 'sf-secret',
        refresh_token: 'sf-refresh-1',
      },
    });
    expect(r.body).not.toHaveProperty('expires_in'); // Salesforce does not say
    clock.advance(901_000);
    const a = await call(`${fake.url}/services/data/v62.0/sobjects/Lead/describe`, {
      method: 'GET',
      headers: { authorization: `Bearer ${r.body.access_token}` },
    });
    expect(a.status).toBe(401);
    expect(a.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    clock.ms = T0;
  });
});

describe('Salesforce fake: query', () => {
  it('batchSize is a hint between 200 and 2,000; locators page to the end and expire', async () => {
    const a = await q('SELECT Id FROM Lead', { 'sforce-query-options': 'batchSize=50' });
    expect(a.body.records).toHaveLength(200);
    expect(a.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/1000$/);
    const b = await call(fake.url + a.body.nextRecordsUrl, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, 'sforce-query-options': 'batchSize=200' },
    });
    expect(b.body).toMatchObject({ totalSize: 450, done: false });
    fake.expireLocators();
    const c = await call(fake.url + b.body.nextRecordsUrl, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(c.status).toBe(400);
    expect(c.body[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it.each([
    ["SELECT Id FROM Lead WHERE Email LIKE '%a'", 'MALFORMED_QUERY'],
    ['SELECT Id FROM Lead WHERE NOT Email = null', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Lead GROUP BY Status', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Lead LIMIT 10 OFFSET 5', 'MALFORMED_QUERY'],
    ['SELECT Id, FROM Lead', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01T00:00:00.000Z', 'MALFORMED_QUERY'],
    ["SELECT Id FROM Lead WHERE Email = 'a", 'MALFORMED_QUERY'],
    ['SELECT Id FROM Lead WHERE IsConverted = 1', 'INVALID_FIELD'],
    ['SELECT Id FROM Lead ORDER BY Nope', 'INVALID_FIELD'],
    ['SELECT Id, (SELECT Id FROM Nope) FROM Opportunity', 'INVALID_TYPE'],
  ])('%s → %s', async (soql, code) => {
    const r = await q(soql);
    expect(r.status).toBe(400);
    expect(r.body[0].errorCode).toBe(code);
  });

  it('an unsupported version is not found', async () => {
    const r = await call(`${fake.url}/services/data/v20.0/query?q=SELECT+Id+FROM+Lead`, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(404);
  });
});

describe('Salesforce fake: Bulk API 2.0', () => {
  it('CSV results page by Sforce-Locator with maxRecords, each page with its header; results before JobComplete refused', async () => {
    const job = await api('/jobs/query', {
      method: 'POST',
      body: { operation: 'query', query: 'SELECT Id, LastName FROM Lead' },
    });
    expect(job.body).toMatchObject({
      state: 'UploadComplete',
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    });
    const early = await api(`/jobs/query/${job.body.id}/results`);
    expect(early.status).toBe(400);
    expect((await api(`/jobs/query/${job.body.id}`)).body.state).toBe('JobComplete');
    const rows: string[] = [];
    let locator = '';
    for (let i = 0; i < 10; i++) {
      const r = await call(
        `${fake.url}/services/data/v62.0/jobs/query/${job.body.id}/results?maxRecords=200${locator ? `&locator=${locator}` : ''}`,
        { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'text/csv' } },
      );
      expect(r.headers.get('content-type')).toBe('text/csv');
      const lines = (r.body as string).trim().split('\n');
      expect(lines[0]).toBe('"Id","LastName"');
      rows.push(...lines.slice(1));
      expect(r.headers.get('sforce-numberofrecords')).toBe(String(lines.length - 1));
      locator = r.headers.get('sforce-locator')!;
      if (locator === 'null') break;
    }
    expect(rows).toHaveLength(450);
    expect(rows[0]).toMatch(/^"00Q\w+","Smith, ""0"""$/);
  });

  it('refuses an unknown operation and a bad maxRecords', async () => {
    expect(
      (await api('/jobs/query', { method: 'POST', body: { operation: 'delete', query: 'SELECT Id FROM Lead' } }))
        .status,
    ).toBe(400);
    const job = await api('/jobs/query', {
      method: 'POST',
      body: { operation: 'query', query: 'SELECT Id FROM Lead' },
    });
    await api(`/jobs/query/${job.body.id}`);
    expect((await api(`/jobs/query/${job.body.id}/results?maxRecords=0`)).status).toBe(400);
  });
});

describe('Salesforce fake: the daily allowance', () => {
  it('past the allowance every call is 403 REQUEST_LIMIT_EXCEEDED', async () => {
    fake.apiUsage.used = fake.apiUsage.max;
    const r = await q('SELECT Id FROM Lead');
    expect(r.status).toBe(403);
    expect(r.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(r.headers.get('sforce-limit-info')).toBe('api-usage=1001/1000');
  });
});

describe('Salesforce fake: the web-server flow (authorize page, authorization_code)', () => {
  const CB = 'https://collector.example.com/sources/salesforce/callback';
  it('refuses an unknown redirect_uri, issues a single-use code bound to its redirect_uri, and answers a refresh token', async () => {
    const f = await startSalesforceFake({
      clientId: 'sf-client',
      clientSecret: 'sf-secret',
      callbackUrls: [CB],
      now: clock.now,
    });
    try {
      const params = {
        response_type: 'code',
        client_id: 'sf-client',
        redirect_uri: CB,
        state: 's1',
        scope: 'api refresh_token',
      };
      const wrong = await fetch(
        `${f.url}/services/oauth2/authorize?${new URLSearchParams({ ...params, redirect_uri: 'https://evil.example.com/cb' })}`,
      );
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('redirect_uri_mismatch');
      expect(
        (await fetch(`${f.url}/services/oauth2/authorize?${new URLSearchParams({ ...params, client_id: 'other' })}`))
          .status,
      ).toBe(400);
      const page = await fetch(`${f.url}/services/oauth2/authorize?${new URLSearchParams(params)}`);
      expect(page.status).toBe(200);
      const deny = await fetch(`${f.url}/services/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...params, decision: 'deny' }),
      });
      expect(new URL(deny.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
      const allow = await fetch(`${f.url}/services/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...params, decision: 'allow' }),
      });
      expect(allow.status).toBe(302);
      const back = new URL(allow.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(CB);
      expect(back.searchParams.get('state')).toBe('s1');
      const code = back.searchParams.get('code')!;
      const exchange = (over: Record<string, string> = {}) =>
        call(`${f.url}/services/oauth2/token`, {
          form: {
            grant_type: 'authorization_code',
            client_id: 'sf-client',
            client_secret: 'sf-secret',
            redirect_uri: CB,
            code,
            ...over,
          },
        });
      // Another redirect_uri than the authorize request's is refused (and spends the code, as any exchange does).
      const mismatch = await exchange({ redirect_uri: 'https://collector.example.com/other' });
      expect(mismatch.body).toEqual({
        error: 'redirect_uri_mismatch',
        error_description: 'redirect_uri must match configuration',
      });
      expect((await exchange()).body.error).toBe('invalid_grant');
      // A fresh code: exchanged once for tokens, then refused.
      const again = await fetch(`${f.url}/services/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...params, decision: 'allow' }),
      });
      const code2 = new URL(again.headers.get('location')!).searchParams.get('code')!;
      const ok = await exchange({ code: code2 });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        access_token: expect.any(String),
        refresh_token: expect.stringMatching(/^5Aep/),
        scope: 'api refresh_token',
        instance_url: f.url,
      });
      expect((await exchange({ code: code2 })).body).toEqual({
        error: 'invalid_grant',
        error_description: 'invalid authorization code',
      });
      // The refresh token it gave works.
      const refreshed = await call(`${f.url}/services/oauth2/token`, {
        form: {
          grant_type: 'refresh_token',
          client_id: 'sf-client',
          client_secret: 'sf-secret',
          refresh_token: ok.body.refresh_token,
        },
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await f.stop();
    }
  });
});
