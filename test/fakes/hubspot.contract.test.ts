// The HubSpot fake driven by HubSpot's own Node client (@hubspot/api-client, pinned dev dependency):
// search, the property list and the OAuth token call must work against it as against HubSpot, and
// the limits the client surfaces (page size, the 10,000-results cap, the secondly limit) must hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { startHubSpotFake, type HubSpotFake } from './hubspot';

let fake: HubSpotFake;
const TOKEN = 'pat-na1-contract-0000-1111';

beforeAll(async () => {
  fake = await startHubSpotFake({
    privateTokens: [TOKEN],
    clientId: 'hs-client',
    clientSecret: 'hs-secret-123456',
    refreshToken: 'hs-refresh-1',
    rotate: true,
    searchPerSecond: 0,
  });
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  for (let i = 0; i < 30; i++)
    fake.upsertContact(
      `c${i}@example.com`,
      { lifecyclestage: i % 2 ? 'lead' : 'marketingqualifiedlead', hs_lifecyclestage_lead_date: String(t0 + i) },
      t0 + i * 1000,
    );
});
afterAll(() => fake.stop());

function client(opts: { accessToken?: string } = { accessToken: TOKEN }) {
  return new Client({ ...opts, basePath: fake.url, numberOfApiCallRetries: 0 });
}

describe('HubSpot fake against @hubspot/api-client', () => {
  it('answers the client’s contact search with typed results and paging', async () => {
    const res = await client().crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'lastmodifieddate',
              operator: 'GTE' as never,
              value: String(Date.parse('2026-03-01T00:00:10Z')),
            },
          ],
        },
      ],
      sorts: ['lastmodifieddate'],
      properties: ['email', 'lifecyclestage', 'hs_lifecyclestage_lead_date'],
      limit: 5,
      after: '0',
    });
    expect(res.total).toBe(20);
    expect(res.results).toHaveLength(5);
    expect(res.results[0]!.properties.email).toBe('c10@example.com');
    expect(res.results[0]!.updatedAt).toBeInstanceOf(Date);
    expect(res.paging?.next?.after).toBe('5');
  });

  it('refuses a page over 200 and paging past 10,000 results, as HubSpot does', async () => {
    const search = (limit: number, after: string) =>
      client().crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties: ['email'], limit, after });
    await expect(search(201, '0')).rejects.toMatchObject({ code: 400 });
    await expect(search(200, '9900')).rejects.toMatchObject({ code: 400 });
    await expect(search(200, '9800')).resolves.toMatchObject({ results: [] });
  });

  it('lists contact properties with their types', async () => {
    const res = await client().crm.properties.coreApi.getAll('contacts');
    const byName = new Map(res.results.map((p) => [p.name, p]));
    expect(byName.get('hs_lifecyclestage_marketingqualifiedlead_date')?.type).toBe('datetime');
    expect(byName.get('lifecyclestage')?.type).toBe('enumeration');
  });

  it('refreshes an OAuth token (rotated refresh token) and the new access token works; the old refresh token is revoked', async () => {
    const t = await client({}).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'hs-client',
      'hs-secret-123456',
      'hs-refresh-1',
    );
    expect(t.accessToken).toMatch(/^CN/);
    expect(t.expiresIn).toBe(1800);
    expect(t.refreshToken).not.toBe('hs-refresh-1');
    const res = await client({ accessToken: t.accessToken }).crm.contacts.searchApi.doSearch({
      filterGroups: [],
      sorts: [],
      properties: ['email'],
      limit: 1,
      after: '0',
    });
    expect(res.results).toHaveLength(1);
    await expect(
      client({}).oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        'hs-client',
        'hs-secret-123456',
        'hs-refresh-1',
      ),
    ).rejects.toMatchObject({ code: 400 });
    fake.expireAll();
    await expect(
      client({ accessToken: t.accessToken }).crm.contacts.searchApi.doSearch({
        filterGroups: [],
        sorts: [],
        properties: ['email'],
        limit: 1,
        after: '0',
      }),
    ).rejects.toMatchObject({ code: 401 });
  });

  it('rate limits search per second with 429 and Retry-After', async () => {
    const limited = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 5 });
    try {
      const c = new Client({ accessToken: TOKEN, basePath: limited.url, numberOfApiCallRetries: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: 7 }, () =>
          c.crm.contacts.searchApi.doSearch({
            filterGroups: [],
            sorts: [],
            properties: ['email'],
            limit: 1,
            after: '0',
          }),
        ),
      );
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(refused[0].code).toBe(429);
      expect(refused[0].headers['retry-after']).toBe('1');
    } finally {
      await limited.stop();
    }
  });
});
