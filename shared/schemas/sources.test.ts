import { describe, expect, it } from 'vitest';
import { maskSourceSettings, sourcePatchSchema, sourceSchema } from './sources';

describe('source schemas', () => {
  it('accepts HubSpot with a private-app token or complete OAuth, and Salesforce per its settings', () => {
    expect(
      sourceSchema.safeParse({ type: 'hubspot', name: 'HS', settings: { accessToken: 'pat-na1-0000-1111' } }).success,
    ).toBe(true);
    expect(
      sourceSchema.safeParse({
        type: 'hubspot',
        name: 'HS',
        backfillDays: 90,
        settings: {
          clientId: 'c',
          clientSecret: 'secret-1234',
          refreshToken: 'refresh-1234',
          objects: ['contacts', 'deals'],
        },
      }).success,
    ).toBe(true);
    expect(
      sourceSchema.safeParse({
        type: 'salesforce',
        name: 'SF',
        settings: {
          instanceUrl: 'https://acme.my.salesforce.com',
          clientId: 'c',
          clientSecret: 'secret-1234',
          apiVersion: '62.0',
          objects: ['Lead', 'Contact', 'Opportunity'],
        },
      }).success,
    ).toBe(true);
  });
  it('refuses incomplete credentials, unknown keys, bad properties and odd backfills, naming the problem', () => {
    const oauth = sourceSchema.safeParse({
      type: 'hubspot',
      name: 'HS',
      settings: { clientId: 'c', clientSecret: 'secret-1234' },
    });
    expect(oauth.success).toBe(false);
    expect(JSON.stringify(oauth.error)).toContain('accessToken');
    expect(
      sourceSchema.safeParse({
        type: 'hubspot',
        name: 'HS',
        settings: { accessToken: 'pat-na1-0000-1111', token: 'x' },
      }).success,
    ).toBe(false);
    expect(
      sourceSchema.safeParse({
        type: 'hubspot',
        name: 'HS',
        settings: { accessToken: 'pat-na1-0000-1111', properties: ['drop table'] },
      }).success,
    ).toBe(false);
    expect(
      sourceSchema.safeParse({
        type: 'hubspot',
        name: 'HS',
        backfillDays: 14,
        settings: { accessToken: 'pat-na1-0000-1111' },
      }).success,
    ).toBe(false);
    expect(
      sourceSchema.safeParse({
        type: 'salesforce',
        name: 'SF',
        settings: {
          instanceUrl: 'https://acme.my.salesforce.com',
          clientId: 'c',
          clientSecret: 'secret-1234',
          flow: 'refresh_token',
        },
      }).success,
    ).toBe(false);
    expect(sourcePatchSchema.safeParse({ paused: 'yes' }).success).toBe(false);
  });
  it('Salesforce: one apiVersion spelling stored, relationship paths allowed, the instance URL on a Salesforce domain', () => {
    const base = { instanceUrl: 'https://acme.my.salesforce.com/', clientId: 'c', clientSecret: 'secret-1234' };
    const parse = (settings: Record<string, unknown>) =>
      sourceSchema.safeParse({ type: 'salesforce', name: 'SF', settings: { ...base, ...settings } });
    for (const v of ['62.0', 'v62.0'])
      expect((parse({ apiVersion: v }).data?.settings as { apiVersion: string }).apiVersion).toBe('62.0');
    expect(parse({ apiVersion: '62' }).success).toBe(false);
    expect((parse({}).data?.settings as { instanceUrl: string }).instanceUrl).toBe('https://acme.my.salesforce.com');
    expect(
      parse({ fields: { Contact: ['Title', 'Account.Name', 'Score__c'] }, pageSize: 200, bulkThreshold: 5000 }).success,
    ).toBe(true);
    expect(parse({ fields: { Contact: ['Account.Owner.Name'] } }).success).toBe(false);
    expect(parse({ fields: { Account: ['Name'] } }).success).toBe(false);
    expect(parse({ pageSize: 100 }).success).toBe(false);
    expect(parse({ refreshToken: 'refresh-1234' }).success).toBe(true);
    expect(parse({ flow: 'client_credentials' }).success).toBe(true);
    // The instance URL receives the client secret: only Salesforce's domains (other origins are `endpoint`, guarded by the deployment).
    for (const instanceUrl of [
      'https://evil.example.com',
      'http://acme.my.salesforce.com',
      'https://salesforce.com.evil.example',
    ])
      expect(parse({ instanceUrl }).success, instanceUrl).toBe(false);
    expect(parse({ instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com' }).success).toBe(true);
  });
  it('masks every secret and nothing else', () => {
    expect(
      maskSourceSettings('hubspot', {
        accessToken: 'pat-na1-0000-1111-2222',
        clientId: 'cid',
        refreshToken: 'short-rt',
        properties: ['email'],
      }),
    ).toEqual({ accessToken: '****2222', clientId: 'cid', refreshToken: '****', properties: ['email'] });
    expect(
      maskSourceSettings('salesforce', { clientSecret: 'x'.repeat(30), instanceUrl: 'https://a.my.salesforce.com' }),
    ).toEqual({ clientSecret: '****xxxx', instanceUrl: 'https://a.my.salesforce.com' });
  });
});
