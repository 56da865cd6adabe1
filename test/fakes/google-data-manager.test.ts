import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataManagerFake, type DataManagerFake } from './google-data-manager';
import { call, HEX } from './http';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
let fake: DataManagerFake;
let token: string;
beforeAll(async () => {
  fake = await startDataManagerFake({
    customerId: '1234567890',
    conversionActionIds: ['777'],
    clientId: 'cid',
    clientSecret: 'secret-123456',
    refreshToken: 'rt-dm-1',
    now: () => NOW,
  });
  token = (
    await call(`${fake.url}/token`, {
      form: {
        grant_type: 'refresh_token',
        client_id: 'cid',
        client_secret: 'secret-123456',
        refresh_token: 'rt-dm-1',
        scope: 'https://www.googleapis.com/auth/datamanager',
      },
    })
  ).body.access_token;
});
afterAll(() => fake.stop());

const destinations = [
  {
    reference: '777',
    operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
    productDestinationId: '777',
  },
];
const ev = (over: Record<string, unknown> = {}) => ({
  destinationReferences: ['777'],
  transactionId: `t-${Math.random().toString(36).slice(2)}`,
  eventTimestamp: '2026-11-20T10:00:00Z',
  userData: { userIdentifiers: [{ emailAddress: HEX('e') }] },
  adIdentifiers: { gclid: 'Cj0KCQiA_dm', landingPageDeviceInfo: { userAgent: 'UA', ipAddress: '198.51.100.4' } },
  consent: { adUserData: 'CONSENT_GRANTED' },
  ...over,
});
const ingest = (body: Record<string, unknown>, auth = `Bearer ${token}`) =>
  call(`${fake.url}/v1/events:ingest`, {
    body: { destinations, encoding: 'HEX', ...body },
    headers: { authorization: auth },
  });
const status = (id: string) =>
  call(`${fake.url}/v1/requestStatus:retrieve?requestId=${id}`, {
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
  });

describe('Google Data Manager fake', () => {
  it('ingests valid events and reports the request status asynchronously', async () => {
    fake.setProcessing(true);
    const r = await ingest({ events: [ev(), ev({ adIdentifiers: undefined })] });
    expect(r.status).toBe(200);
    expect(typeof r.body.requestId).toBe('string');
    expect((await status(r.body.requestId)).body.requestStatusPerDestination[0].requestStatus).toBe('PROCESSING');
    fake.setProcessing(false);
    const s = await status(r.body.requestId);
    expect(s.body.requestStatusPerDestination[0]).toMatchObject({
      requestStatus: 'SUCCESS',
      eventsIngestionStatus: { recordCount: '2' },
    });
  });

  it('reports click problems as error counts', async () => {
    fake.registry.clicks.set('dm_recent_click', NOW - 3 * 3600_000);
    const r = await ingest({ events: [ev(), ev({ adIdentifiers: { gclid: 'dm_recent_click' } })] });
    const s = await status(r.body.requestId);
    expect(s.body.requestStatusPerDestination[0]).toMatchObject({
      requestStatus: 'PARTIAL_SUCCESS',
      errorInfo: { errorCounts: [{ reason: 'TOO_RECENT_EVENT', recordCount: '1' }] },
    });
  });

  const refusals: [string, Record<string, unknown>, number, string?][] = [
    ['no encoding with user data', { encoding: undefined, events: [ev()] }, 400, 'encoding'],
    ['2,001 events', { events: Array.from({ length: 2001 }, () => ev()) }, 400, 'events'],
    [
      'two click ids',
      { events: [ev({ adIdentifiers: { gclid: 'a_click_1', wbraid: 'b_click_1' } })] },
      400,
      'events[0].adIdentifiers.wbraid',
    ],
    [
      'a non-RFC 3339 time',
      { events: [ev({ eventTimestamp: '2026-11-20 10:00:00' })] },
      400,
      'events[0].eventTimestamp',
    ],
    [
      'an unhashed email',
      { events: [ev({ userData: { userIdentifiers: [{ emailAddress: 'a@b.co' }] } })] },
      400,
      'events[0].userData.userIdentifiers[0].emailAddress',
    ],
    [
      '11 identifiers',
      {
        events: [ev({ userData: { userIdentifiers: Array.from({ length: 11 }, () => ({ emailAddress: HEX('f') })) } })],
      },
      400,
      'events[0].userData.userIdentifiers',
    ],
    ['an old-style consent value', { events: [ev({ consent: { adUserData: 'GRANTED' } })] }, 400, 'events[0].consent'],
    [
      'neither click nor user data',
      { events: [ev({ userData: undefined, adIdentifiers: undefined })] },
      400,
      'events[0].userData',
    ],
    [
      'a duplicate transactionId',
      { events: [ev({ transactionId: 'same' }), ev({ transactionId: 'same' })] },
      400,
      'events[1].transactionId',
    ],
    [
      '11 destinations (TOO_MANY_DESTINATIONS)',
      {
        destinations: Array.from({ length: 11 }, (_, i) => ({ ...destinations[0], reference: `r${i}` })),
        events: [ev({ destinationReferences: ['r0'] })],
      },
      400,
      'destinations',
    ],
    [
      'a conversion action resource name as productDestinationId',
      {
        destinations: [{ ...destinations[0], productDestinationId: 'customers/1234567890/conversionActions/777' }],
        events: [ev()],
      },
      400,
      'destinations[0].productDestinationId',
    ],
    [
      'two destinations with the same reference',
      { destinations: [destinations[0], destinations[0]], events: [ev()] },
      400,
      'destinations[1].reference',
    ],
    [
      'an event naming a reference no destination carries',
      { events: [ev({ destinationReferences: ['778'] })] },
      400,
      'events[0].destinationReferences',
    ],
    [
      'an unknown conversion action',
      { destinations: [{ ...destinations[0], productDestinationId: '1' }], events: [ev()] },
      400,
      'destinations[0].productDestinationId',
    ],
    [
      'another operating account',
      {
        destinations: [
          { ...destinations[0], operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1111111111' } },
        ],
        events: [ev()],
      },
      403,
    ],
  ];
  for (const [what, body, code, field] of refusals)
    it(`refuses ${what}`, async () => {
      const before = fake.events.length;
      const r = await ingest(body);
      expect(r.status).toBe(code);
      if (field) expect(r.body.error.details[0].fieldViolations.map((v: any) => v.field)).toContain(field);
      const reason = /\(([A-Z_]+)\)/.exec(what)?.[1];
      if (reason) expect(r.body.error.details.find((d: any) => d.reason)?.reason).toBe(reason);
      expect(fake.events.length).toBe(before);
    });

  it('refuses without a token, validateOnly stores nothing', async () => {
    expect((await ingest({ events: [ev()] }, 'Bearer wrong')).status).toBe(401);
    const before = fake.events.length;
    const r = await ingest({ events: [ev()], validateOnly: true });
    expect(r.status).toBe(200);
    expect(r.body.requestId).toBeUndefined();
    expect(fake.events.length).toBe(before);
  });

  it('refuses a refresh asking another scope', async () => {
    const r = await call(`${fake.url}/token`, {
      form: {
        grant_type: 'refresh_token',
        client_id: 'cid',
        client_secret: 'secret-123456',
        refresh_token: 'rt-dm-1',
        scope: 'https://www.googleapis.com/auth/adwords',
      },
    });
    expect(r.body.error).toBe('invalid_scope');
  });
});
