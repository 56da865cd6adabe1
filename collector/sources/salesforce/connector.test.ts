// The connector inside workerd (the Worker's runtime): it loads without Node APIs and pages through
// a token, a describe and a query answered in Salesforce's shapes. Its behaviour against the
// Salesforce fake is in test/fakes/salesforce-connector.test.ts.
import { describe, expect, it } from 'vitest';
import { SourceError } from '../connector';
import { salesforceConnector } from './connector';

const answers: Record<string, unknown> = {
  '/services/oauth2/token': {
    access_token: '00D!tok',
    instance_url: 'https://acme.my.salesforce.com',
    token_type: 'Bearer',
    issued_at: '1',
  },
  '/services/data/v62.0/sobjects/Lead/describe': {
    fields: [
      { name: 'Email', label: 'Email', type: 'email' },
      { name: 'Status', label: 'Status', type: 'picklist' },
      { name: 'ConvertedDate', label: 'Converted Date', type: 'date' },
    ],
  },
  '/services/data/v62.0/query': {
    totalSize: 1,
    done: true,
    records: [
      {
        attributes: { type: 'Lead' },
        Id: '00Q000000000001AAA',
        SystemModstamp: '2026-01-02T03:04:05.000+0000',
        Email: 'ada@example.com',
        Status: 'Working',
        ConvertedDate: '2026-01-02',
      },
    ],
  },
};
const fakeFetch = (async (input: RequestInfo | URL) => {
  const path = new URL(String(input)).pathname;
  return new Response(JSON.stringify(answers[path] ?? [{ errorCode: 'NOT_FOUND', message: path }]), {
    status: path in answers ? 200 : 404,
    headers: { 'sforce-limit-info': 'api-usage=5/15000' },
  });
}) as typeof fetch;

describe('salesforceConnector in workerd', () => {
  const settings = {
    instanceUrl: 'https://acme.my.salesforce.com',
    clientId: 'id',
    clientSecret: 'secret-0001',
    refreshToken: 'refresh-0001',
    objects: ['Lead'],
    fields: { Lead: ['Status', 'ConvertedDate'] },
  };

  it('pages one lead with ISO dates, the usage and the token to cache', async () => {
    const page = await salesforceConnector.fetchPage({
      settings,
      cursor: null,
      since: null,
      fetch: fakeFetch,
      now: () => Date.UTC(2026, 0, 3),
    });
    expect(page.records).toEqual([
      {
        id: '00Q000000000001AAA',
        email: 'ada@example.com',
        modifiedAt: '2026-01-02T03:04:05.000Z',
        attributes: { 'Lead.Status': 'Working', 'Lead.ConvertedDate': '2026-01-02T00:00:00.000Z' },
      },
    ]);
    expect(page).toMatchObject({
      done: true,
      apiCalls: 3,
      issues: [],
      apiUsage: { used: 5, max: 15000 },
      accessToken: { value: '00D!tok' },
    });
    expect(JSON.parse(JSON.stringify(page.cursor))).toEqual(page.cursor);
  });

  it('refuses malformed settings as a config error', async () => {
    const e = await salesforceConnector
      .fetchPage({
        settings: { ...settings, instanceUrl: 'http://acme.my.salesforce.com' },
        cursor: null,
        since: null,
        fetch: fakeFetch,
        now: Date.now,
      })
      .catch((x) => x);
    expect(e).toBeInstanceOf(SourceError);
    expect(e.kind).toBe('config');
  });
});
