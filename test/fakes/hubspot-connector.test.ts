// The HubSpot connector's paging driven against the fake, page by page as the SourceObject drives
// it: records sharing one lastmodifieddate across page boundaries, the 10,000-results cap, changes
// during a sync, missing and mistyped properties, OAuth refresh and rotation, limits and refusals.
import { afterEach, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../collector/sources/hubspot/connector';
import {
  SourceError,
  type FetchContext,
  type SourceCursor,
  type SourceRecord,
} from '../../collector/sources/connector';
import { startHubSpotFake, type HubSpotFake } from './hubspot';

const TOKEN = 'pat-na1-connector-test-0001';
let fake: HubSpotFake | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

function ctx(
  settings: Record<string, unknown>,
  cursor: SourceCursor | null,
  extra: Partial<FetchContext> = {},
): FetchContext {
  return {
    settings: { endpoint: fake!.url, ...settings },
    cursor,
    since: null,
    fetch: (i, init) => fetch(i, init),
    now: Date.now,
    ...extra,
  };
}

/** Pages until done, as one run does; every record in the order it was handed over. */
async function drain(settings: Record<string, unknown>, cursor: SourceCursor | null = null, maxPages = 500) {
  const records: SourceRecord[] = [];
  let calls = 0;
  for (let i = 0; i < maxPages; i++) {
    const page = await hubspotConnector.fetchPage(ctx(settings, cursor));
    records.push(...page.records);
    calls += page.apiCalls;
    cursor = page.cursor;
    if (page.done) return { records, cursor, calls, pages: i + 1 };
  }
  throw new Error('never done');
}

const T0 = Date.parse('2026-03-01T00:00:00Z');

describe('HubSpot connector paging', () => {
  it('applies 250 records sharing one lastmodifieddate across page boundaries exactly once, and those around them', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    for (let i = 0; i < 120; i++) fake.upsertContact(`before${i}@example.com`, {}, T0 - 10_000 + i);
    for (let i = 0; i < 250; i++) fake.upsertContact(`tie${i}@example.com`, { lifecyclestage: 'lead' }, T0);
    for (let i = 0; i < 90; i++) fake.upsertContact(`after${i}@example.com`, {}, T0 + 1 + i);
    const { records, cursor } = await drain({ accessToken: TOKEN });
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(460);
    expect(records.filter((r) => r.email.startsWith('tie'))).toHaveLength(250);
    expect(records.find((r) => r.email === 'tie7@example.com')).toMatchObject({
      modifiedAt: '2026-03-01T00:00:00.000Z',
      attributes: { lifecyclestage: 'lead' },
    });
    // An idle second run hands over nothing again.
    const again = await drain({ accessToken: TOKEN }, cursor);
    expect(again.records).toHaveLength(0);
    // A change after it is handed over once.
    fake.upsertContact('tie3@example.com', { lifecyclestage: 'marketingqualifiedlead' }, T0 + 5_000);
    const third = await drain({ accessToken: TOKEN }, again.cursor);
    expect(third.records.map((r) => [r.email, r.attributes.lifecyclestage])).toEqual([
      ['tie3@example.com', 'marketingqualifiedlead'],
    ]);
  });

  it('reads past the 10,000-results cap of one search without an error', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    for (let i = 0; i < 10_450; i++) fake.upsertContact(`p${i}@example.com`, {}, T0 + Math.floor(i / 7));
    const { records } = await drain({ accessToken: TOKEN });
    expect(new Set(records.map((r) => r.id)).size).toBe(10_450);
    expect(records).toHaveLength(10_450);
    expect(fake.server.requests.filter((r) => r.status !== 200)).toEqual([]);
  });

  it('hands over a contact changed during the sync again, and skips nothing', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    for (let i = 0; i < 600; i++) fake.upsertContact(`m${i}@example.com`, { city: 'a' }, T0 + i);
    let cursor: SourceCursor | null = null;
    const seen: SourceRecord[] = [];
    for (let i = 0; i < 50; i++) {
      const page = await hubspotConnector.fetchPage(ctx({ accessToken: TOKEN }, cursor));
      seen.push(...page.records);
      cursor = page.cursor;
      if (i === 0) fake.upsertContact('m5@example.com', { city: 'b' }, T0 + 10_000);
      if (page.done) break;
    }
    expect(new Set(seen.map((r) => r.email)).size).toBe(600);
    expect(seen.filter((r) => r.email === 'm5@example.com').map((r) => r.attributes.city)).toEqual(['a', 'b']);
  });

  it('starts the first run at `since` (backfill) and converts dates to ISO instants in UTC', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    fake.upsertContact('old@example.com', {}, T0 - 40 * 86_400_000);
    fake.upsertContact(
      'new@example.com',
      { hs_lifecyclestage_marketingqualifiedlead_date: String(T0 - 3_600_000) },
      T0,
    );
    const page = await hubspotConnector.fetchPage(
      ctx({ accessToken: TOKEN }, null, { since: new Date(T0 - 30 * 86_400_000).toISOString() }),
    );
    expect(page.records.map((r) => r.email)).toEqual(['new@example.com']);
    expect(page.records[0]!.attributes.hs_lifecyclestage_marketingqualifiedlead_date).toBe('2026-02-28T23:00:00.000Z');
  });

  it('reports a missing or retyped property and a mistyped value by name, and skips only them', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    fake.contactProperties = fake.contactProperties
      .filter((p) => p.name !== 'hs_lead_status')
      .map((p) => (p.name === 'hs_lifecyclestage_lead_date' ? { ...p, type: 'string' } : p));
    fake.upsertContact('x@example.com', { lifecyclestage: 'lead', num_employees: 'many' }, T0);
    const page = await hubspotConnector.fetchPage(
      ctx(
        {
          accessToken: TOKEN,
          properties: ['email', 'lifecyclestage', 'hs_lead_status', 'hs_lifecyclestage_lead_date', 'num_employees'],
        },
        null,
      ),
    );
    expect(page.issues).toEqual([
      { field: 'hs_lead_status', reason: expect.stringContaining('no such contact property') },
      { field: 'hs_lifecyclestage_lead_date', reason: 'expected a date, HubSpot says string: skipped' },
      { field: 'num_employees', reason: 'value is not a number' },
    ]);
    expect(page.records[0]!.attributes).toEqual({ email: 'x@example.com', lifecyclestage: 'lead' });
  });

  it('refreshes an OAuth token, hands back the rotated refresh token, and reuses the access token until it expires', async () => {
    fake = await startHubSpotFake({
      clientId: 'cid',
      clientSecret: 'secret-123456',
      refreshToken: 'refresh-0001',
      rotate: true,
      searchPerSecond: 0,
    });
    fake.upsertContact('o@example.com', {}, T0);
    const settings = { clientId: 'cid', clientSecret: 'secret-123456', refreshToken: 'refresh-0001' };
    const first = await hubspotConnector.fetchPage(ctx(settings, null));
    expect(first.tokens?.refreshToken).toBe(fake.currentRefreshToken());
    expect(first.apiCalls).toBe(3); // token, properties, search
    const second = await hubspotConnector.fetchPage(
      ctx({ ...settings, ...first.tokens }, first.cursor, { accessToken: first.accessToken }),
    );
    expect(second.apiCalls).toBe(1);
    expect(fake.grants).toBe(1);
    // The old refresh token is revoked: using it is a credentials error with HubSpot's message.
    const err = await hubspotConnector.fetchPage(ctx(settings, null)).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ kind: 'credentials', platformMessage: 'missing or invalid refresh token' });
  });

  it('maps the secondly limit to rate_limited with Retry-After, and a refused token to credentials', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 1 });
    const c = ctx({ accessToken: TOKEN }, null);
    await hubspotConnector.fetchPage(c);
    const limited = await hubspotConnector.fetchPage(c).catch((e) => e);
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    const refused = await hubspotConnector
      .fetchPage(ctx({ accessToken: 'pat-na1-wrong-token-000' }, null))
      .catch((e) => e);
    expect(refused).toMatchObject({
      kind: 'credentials',
      platformMessage: expect.stringContaining('Authentication credentials not found'),
    });
  });
});

describe('HubSpot connector OAuth', () => {
  it('a cached access token refused (revoked early) is replaced once before the source is stopped', async () => {
    fake = await startHubSpotFake({
      clientId: 'cid',
      clientSecret: 'secret-123456',
      refreshToken: 'refresh-0001',
      searchPerSecond: 0,
    });
    fake.upsertContact('o@example.com', {}, T0);
    const settings = { clientId: 'cid', clientSecret: 'secret-123456', refreshToken: 'refresh-0001' };
    const first = await hubspotConnector.fetchPage(ctx(settings, null));
    fake.expireAll();
    const second = await hubspotConnector.fetchPage(ctx(settings, null, { accessToken: first.accessToken }));
    expect(second.records).toHaveLength(1);
    expect(second.accessToken?.value).not.toBe(first.accessToken?.value);
    expect(fake.grants).toBe(2);
  });
});

describe('HubSpot webhook signature v3', () => {
  it('accepts what the fake signs as HubSpot does, within 5 minutes, and nothing else', async () => {
    const { hubspotSignatureValid } = await import('../../collector/sources/hubspot/webhook');
    const { signHubSpotV3 } = await import('./hubspot');
    const uri = 'https://collector.example.com/sources/hubspot/src_0123456789abcdef/webhook';
    const body = '[{"objectId":1001,"subscriptionType":"contact.propertyChange"}]';
    const now = Date.now();
    const signature = signHubSpotV3('client-secret-1', 'POST', uri, body, now);
    const req = { method: 'POST', uri, body, timestamp: String(now), signature };
    expect(await hubspotSignatureValid('client-secret-1', req, now)).toBe(true);
    expect(await hubspotSignatureValid('client-secret-2', req, now)).toBe(false);
    expect(await hubspotSignatureValid('client-secret-1', { ...req, body: body.replace('1001', '1002') }, now)).toBe(
      false,
    );
    expect(await hubspotSignatureValid('client-secret-1', req, now + 5 * 60_000 + 1)).toBe(false);
    expect(await hubspotSignatureValid('client-secret-1', { ...req, signature: '!!notbase64' }, now)).toBe(false);
  });
});

describe('HubSpot deals', () => {
  it('applies each deal’s stage, amount and close date to its associated contacts, after the contacts, once', async () => {
    fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
    const a = fake.upsertContact('a@example.com', { lifecyclestage: 'opportunity' }, T0);
    const b = fake.upsertContact('b@example.com', {}, T0 + 1);
    fake.upsertDeal(
      { dealname: 'Big', dealstage: 'closedwon', amount: '1250.50', closedate: '2026-03-02T12:00:00.000Z' },
      [a.id, b.id],
      T0 + 2,
    );
    for (let i = 0; i < 210; i++) fake.upsertDeal({ dealstage: 'appointmentscheduled', amount: String(i) }, [], T0 + 3);
    const { records } = await drain({ accessToken: TOKEN, objects: ['contacts', 'deals'] });
    expect(records.filter((r) => r.id.startsWith('deal:'))).toEqual([
      {
        id: expect.stringMatching(/^deal:\d+:/),
        email: 'a@example.com',
        modifiedAt: new Date(T0 + 2).toISOString(),
        attributes: {
          'deal.dealstage': 'closedwon',
          'deal.amount': 1250.5,
          'deal.closedate': '2026-03-02T12:00:00.000Z',
          'deal.id': expect.any(String),
        },
      },
      {
        id: expect.stringMatching(/^deal:\d+:/),
        email: 'b@example.com',
        modifiedAt: new Date(T0 + 2).toISOString(),
        attributes: expect.objectContaining({ 'deal.dealstage': 'closedwon' }),
      },
    ]);
    expect(records.filter((r) => !r.id.startsWith('deal:')).map((r) => r.email)).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
    // Contacts come first in a run: every contact record precedes every deal record.
    expect(records.findIndex((r) => r.id.startsWith('deal:'))).toBe(2);
  });
});
