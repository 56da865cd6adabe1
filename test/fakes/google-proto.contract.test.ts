// Our Google requests, and what our Google fakes accept, checked against Google's own definitions:
// the Data Manager protos in @google-ads/datamanager 0.3.0 and the Google Ads v25 protos in
// google-ads-node 25.1.0 (JSON descriptors for the messages, the .proto text for what only comments
// state: limits, the conversion-action resource pattern).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type protobuf from 'protobufjs';
import { googleAds } from '../../collector/destinations/google-ads';
import { fitRequest } from '../../collector/destinations/definition';
import { googleDataManager, type DataManagerEvent } from '../../collector/destinations/google-data-manager';
import type { ConversionRow, HttpRequest } from '../../collector/delivery/types';
import { googleAdsSettingsSchema, googleDataManagerSettingsSchema } from '../../shared/schemas/destinations';
import { GOOGLE_ADS_SUPPORTED_VERSIONS } from '../../shared/schemas/google-ads';
import * as adsFake from './google-ads';
import * as dmFake from './google-data-manager';
import { call, HEX } from './http';
import {
  ADS_PROTOS,
  checkMessage,
  DM_PROTOS,
  enumValues,
  fieldNames,
  httpRule,
  loadRoot,
  matchTemplate,
  protoText,
  resourcePattern,
} from './proto-json';
import { row, T0 } from './support';

const dm = loadRoot(DM_PROTOS);
const ads = loadRoot(ADS_PROTOS);
const DMV = 'google.ads.datamanager.v1';
const AV = 'google.ads.googleads.v25';
const type = (root: protobuf.Root, name: string) => root.lookupType(name);

// Limits Google states in comments of the .proto files it ships.
const dmText = (f: string) => protoText(DM_PROTOS, `google/ads/datamanager/v1/${f}`);
const adsText = (f: string) => protoText(ADS_PROTOS, `google/ads/googleads/v25/${f}`);
const num = (re: RegExp, text: string) => {
  const m = re.exec(text);
  if (!m) throw new Error(`Google's text no longer says ${re}`);
  return +m[1]!;
};
const LIMITS = {
  events: num(/At most\s*\/\/\s*(\d+) \[Event\]/, dmText('ingestion_service.proto')),
  destinations: num(/Maximum number of destinations allowed per request is (\d+)/, dmText('error.proto')),
  dmIdentifiers: num(/At most (\d+) `userIdentifiers`/, dmText('user_data.proto')),
  conversions:
    num(/Upload fewer than (\d+) events in a single request/, adsText('errors/conversion_upload_error.proto')) - 1,
  adsIdentifiers: num(
    /The maximum\s*\/\/\s*number of user identifiers for each conversion is (\d+)/,
    adsText('services/conversion_upload_service.proto'),
  ),
};
const CONVERSION_ACTION = resourcePattern(
  /pattern: "(customers\/\{customer_id\}\/conversionActions\/\{conversion_action_id\})"/.exec(
    adsText('resources/conversion_action.proto'),
  )![1]!,
);
const GOOGLE_DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/; // "yyyy-mm-dd hh:mm:ss+|-hh:mm" (conversion_upload_service.proto)

const oauth = { clientId: 'g-client', clientSecret: 'g-secret-123456', refreshToken: 'g-refresh-123456' };
const dmSettings = googleDataManagerSettingsSchema.parse({
  customerId: '1234567890',
  conversionActionId: '777',
  loginCustomerId: '9876543210',
  ...oauth,
});
const adsSettings = googleAdsSettingsSchema.parse({
  customerId: '1234567890',
  conversionActionId: '555',
  loginCustomerId: '9876543210',
  ...oauth,
});
const ctx = <S>(settings: S, mode: 'live' | 'test' = 'live') =>
  ({ settings, mode, now: T0, accessToken: 'token' }) as never;

/** Every kind of row our builders see: click kinds, email only, phone, value and currency, both action forms. */
function rows(): ConversionRow[] {
  return [
    row(),
    row({ touches: [] }),
    row({
      touches: [{ kind: 'wbraid', value: 'wbraid_abc', firstSeen: T0 - 86_400_000 }],
      identifiers: { phone: '+1 (415) 555-0100' },
    } as Partial<ConversionRow>),
    row({
      touches: [{ kind: 'gbraid', value: 'gbraid_abc', firstSeen: T0 - 86_400_000 }],
      conversion: { value: 1250.5, currency: 'EUR' },
    }),
    row({ conversion: { conversionAction: '888', valueField: 'crm.opportunity.amount', currency: 'USD' } }),
    row({ conversion: { conversionAction: 'customers/1234567890/conversionActions/999' } }),
  ];
}

async function prepared<S, I>(
  def: { prepare(r: ConversionRow, s: S, now: number): Promise<{ ok: boolean; item?: I }> },
  settings: S,
  input: ConversionRow[],
): Promise<I[]> {
  const out: I[] = [];
  for (const r of input) {
    const p = await def.prepare(r, settings, T0);
    expect(p.ok).toBe(true);
    out.push(p.item as I);
  }
  return out;
}

/** The outbox's own batching (fitRequest) over a list of items: the requests it would send. */
function requests<I>(
  def: Parameters<typeof fitRequest<I>>[0],
  items: I[],
  build: (batch: I[]) => HttpRequest,
): HttpRequest[] {
  const out: HttpRequest[] = [];
  let left = items;
  while (left.length) {
    const take = new Set(fitRequest(def, left, def.batchLimit));
    out.push(build(left.filter((_, i) => take.has(i))));
    left = left.filter((_, i) => !take.has(i));
  }
  return out;
}

function checkDataManagerRequest(req: HttpRequest): string[] {
  const rule = httpRule(dm.lookupService(`${DMV}.IngestionService`), 'IngestEvents');
  const url = new URL(req.url);
  const problems: string[] = [];
  if (req.method !== rule.verb || !matchTemplate(rule.template, url.pathname) || rule.body !== '*')
    problems.push(`${req.method} ${url.pathname} is not ${rule.verb} ${rule.template}`);
  const body = req.body as { destinations: Record<string, unknown>[]; events: DataManagerEvent[] };
  problems.push(...checkMessage(type(dm, `${DMV}.IngestEventsRequest`), body));
  if (body.events.length > LIMITS.events) problems.push(`events: more than ${LIMITS.events}`);
  if (body.destinations.length > LIMITS.destinations)
    problems.push(`destinations: more than ${LIMITS.destinations} (TOO_MANY_DESTINATIONS)`);
  const refs = body.destinations.map((d) => d.reference);
  if (new Set(refs).size !== refs.length) problems.push('destinations: DUPLICATE_DESTINATION_REFERENCE');
  body.destinations.forEach((d, i) => {
    if (!/^\d+$/.test(String(d.productDestinationId)))
      problems.push(
        `destinations[${i}].productDestinationId: a Google Ads conversion action ID, got ${d.productDestinationId}`,
      );
  });
  body.events.forEach((e, i) => {
    for (const r of e.destinationReferences ?? [])
      if (!refs.includes(r)) problems.push(`events[${i}].destinationReferences: ${r} names no destination`);
    const ids = (e.userData as { userIdentifiers?: unknown[] } | undefined)?.userIdentifiers ?? [];
    if (ids.length > LIMITS.dmIdentifiers)
      problems.push(`events[${i}].userData.userIdentifiers: more than ${LIMITS.dmIdentifiers}`);
  });
  return problems;
}

function checkAdsRequest(req: HttpRequest, version = 'v25'): string[] {
  const rule = httpRule(ads.lookupService(`${AV}.services.ConversionUploadService`), 'UploadClickConversions');
  const url = new URL(req.url);
  const params = matchTemplate(rule.template.replace(/^\/v25\//, `/${version}/`), url.pathname);
  const problems: string[] = [];
  if (req.method !== rule.verb || !params || rule.body !== '*')
    problems.push(`${req.method} ${url.pathname} is not ${rule.verb} ${rule.template}`);
  if (params && !/^\d{10}$/.test(params.customerId!)) problems.push(`customerId ${params.customerId} is not 10 digits`);
  const body = req.body as { conversions: Record<string, unknown>[] };
  problems.push(...checkMessage(type(ads, `${AV}.services.UploadClickConversionsRequest`), body, '', ['customerId']));
  if (body.conversions.length > LIMITS.conversions) problems.push(`conversions: more than ${LIMITS.conversions}`);
  body.conversions.forEach((c, i) => {
    if (!CONVERSION_ACTION.test(String(c.conversionAction)))
      problems.push(
        `conversions[${i}].conversionAction: ${c.conversionAction} is not a ConversionAction resource name`,
      );
    if (!GOOGLE_DATE_TIME.test(String(c.conversionDateTime)))
      problems.push(`conversions[${i}].conversionDateTime: ${c.conversionDateTime}`);
    if (['gclid', 'gbraid', 'wbraid'].filter((k) => c[k] !== undefined).length > 1)
      problems.push(`conversions[${i}]: more than one of gclid, gbraid, wbraid`);
    const ids = (c.userIdentifiers as unknown[] | undefined) ?? [];
    if (ids.length > LIMITS.adsIdentifiers)
      problems.push(`conversions[${i}].userIdentifiers: more than ${LIMITS.adsIdentifiers}`);
  });
  const login = req.headers?.['login-customer-id'];
  if (login !== undefined && !/^\d{10}$/.test(login)) problems.push('login-customer-id: 10 digits');
  return problems;
}

describe("Google's definitions, as read here", () => {
  it('state the limits we enforce', () => {
    expect(LIMITS).toEqual({ events: 2000, destinations: 10, dmIdentifiers: 10, conversions: 2000, adsIdentifiers: 5 });
    expect(dmText('destination.proto')).toMatch(/Google Ads conversion action ID/);
  });

  it('catch the defects this suite was written for', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => ({
      reference: String(800 + i),
      operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
      productDestinationId: String(800 + i),
    }));
    const ev = {
      destinationReferences: ['800'],
      transactionId: 't',
      eventTimestamp: '2026-11-20T11:00:00Z',
      userData: { userIdentifiers: [{ emailAddress: HEX('a') }] },
    };
    const dmReq = (body: unknown): HttpRequest => ({
      method: 'POST',
      url: 'https://datamanager.googleapis.com/v1/events:ingest',
      headers: {},
      body,
    });
    expect(checkDataManagerRequest(dmReq({ destinations: twelve, events: [ev], encoding: 'HEX' }))).toContain(
      'destinations: more than 10 (TOO_MANY_DESTINATIONS)',
    );
    expect(
      checkDataManagerRequest(
        dmReq({
          destinations: [{ ...twelve[0], productDestinationId: 'customers/1/conversionActions/800' }],
          events: [ev],
          encoding: 'HEX',
        }),
      ).join(),
    ).toMatch(/productDestinationId/);
    const conv = {
      conversionAction: 'customers/1234567890/conversionActions/customers/1234567890/conversionActions/555',
      conversionDateTime: '2026-11-20 11:00:00+00:00',
      gclid: 'x',
    };
    expect(
      checkAdsRequest({
        method: 'POST',
        url: 'https://googleads.googleapis.com/v25/customers/1234567890:uploadClickConversions',
        headers: {},
        body: { conversions: [conv], partialFailure: true },
      }).join(),
    ).toMatch(/not a ConversionAction resource name/);
    expect(
      checkMessage(type(dm, `${DMV}.IngestEventsRequest`), {
        destinations: twelve.slice(0, 1),
        events: [{ ...ev, consent: { adUserData: 'GRANTED' } }],
      }).join(),
    ).toMatch(/not a value of/);
    expect(
      checkMessage(type(dm, `${DMV}.IngestEventsRequest`), {
        destinations: twelve.slice(0, 1),
        events: [{ transactionId: 't' }],
      }).join(),
    ).toMatch(/eventTimestamp: REQUIRED/);
  });
});

describe('Data Manager IngestEventsRequest built by our destination', () => {
  it('is valid per Google’s definitions for every kind of row, live and validateOnly', async () => {
    const items = await prepared(googleDataManager, dmSettings, rows());
    for (const mode of ['live', 'test'] as const) {
      const req = googleDataManager.buildRequest(items, ctx(dmSettings, mode));
      expect(checkDataManagerRequest(req)).toEqual([]);
      expect((req.body as { validateOnly?: boolean }).validateOnly).toBe(mode === 'test' ? true : undefined);
    }
  });

  it('stays valid with twelve conversion actions: split into requests of at most 10 destinations', async () => {
    const input = Array.from({ length: 24 }, (_, i) =>
      row({ conversion: { conversionAction: String(801 + (i % 12)) } }),
    );
    const reqs = requests(googleDataManager, await prepared(googleDataManager, dmSettings, input), (b) =>
      googleDataManager.buildRequest(b, ctx(dmSettings)),
    );
    expect(reqs.length).toBe(2);
    for (const r of reqs) expect(checkDataManagerRequest(r)).toEqual([]);
    expect(reqs.flatMap((r) => (r.body as { events: unknown[] }).events).length).toBe(24);
  });

  it('reads the request status as RetrieveRequestStatus defines it', () => {
    const rule = httpRule(dm.lookupService(`${DMV}.IngestionService`), 'RetrieveRequestStatus');
    const req = googleDataManager.status!.buildRequest('req-1', ctx(dmSettings));
    const url = new URL(req.url);
    expect(req.method).toBe(rule.verb);
    expect(matchTemplate(rule.template, url.pathname)).not.toBeNull();
    const query = Object.fromEntries(url.searchParams);
    expect(checkMessage(type(dm, `${DMV}.RetrieveRequestStatusRequest`), query)).toEqual([]);
  });
});

describe('Google Ads UploadClickConversionsRequest built by our destination', () => {
  it('is valid per Google’s definitions for every kind of row, live and validateOnly', async () => {
    const s = { ...adsSettings, apiVersion: 'v25' };
    const items = await prepared(googleAds, s, rows());
    for (const mode of ['live', 'test'] as const) {
      const req = googleAds.buildRequest(items, ctx(s, mode));
      expect(checkAdsRequest(req)).toEqual([]);
    }
    expect(items.map((c) => c.conversionAction)).toEqual([
      ...Array(4).fill('customers/1234567890/conversionActions/555'),
      'customers/1234567890/conversionActions/888',
      'customers/1234567890/conversionActions/999',
    ]);
  });

  it('uses the same path for every version the settings accept, and defaults to the version of these definitions', async () => {
    expect(
      googleAdsSettingsSchema.parse({ customerId: '1234567890', conversionActionId: '5', ...oauth }).apiVersion,
    ).toBe('v25');
    const items = await prepared(googleAds, adsSettings, [row()]);
    for (const v of GOOGLE_ADS_SUPPORTED_VERSIONS)
      expect(checkAdsRequest(googleAds.buildRequest(items, ctx({ ...adsSettings, apiVersion: v })), v)).toEqual([]);
  });
});

describe('the fakes accept only what Google defines', () => {
  let dmf: dmFake.DataManagerFake;
  let adsf: adsFake.GoogleAdsFake;
  let dmToken: string;
  let adsToken: string;
  beforeAll(async () => {
    dmf = await dmFake.startDataManagerFake({
      customerId: '1234567890',
      conversionActionIds: ['777', '888', '999'],
      ...oauth,
    });
    adsf = await adsFake.startGoogleAdsFake({
      customerId: '1234567890',
      conversionActionIds: ['555', '888', '999'],
      ...oauth,
    });
    const grant = {
      grant_type: 'refresh_token',
      client_id: oauth.clientId,
      client_secret: oauth.clientSecret,
      refresh_token: oauth.refreshToken,
    };
    dmToken = (
      await call(`${dmf.url}/token`, { form: { ...grant, scope: 'https://www.googleapis.com/auth/datamanager' } })
    ).body.access_token;
    adsToken = (
      await call(`${adsf.url}/token`, { form: { ...grant, scope: 'https://www.googleapis.com/auth/adwords' } })
    ).body.access_token;
  });
  afterAll(async () => {
    await dmf.stop();
    await adsf.stop();
  });

  it('name only fields and enum values Google defines', () => {
    const sub = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
    expect(sub(dmFake.BODY_KEYS, fieldNames(type(dm, `${DMV}.IngestEventsRequest`)))).toEqual([]);
    expect(sub(dmFake.EVENT_KEYS, fieldNames(type(dm, `${DMV}.Event`)))).toEqual([]);
    expect(sub(dmFake.CONSENT, enumValues(dm.lookupEnum(`${DMV}.ConsentStatus`)))).toEqual([]);
    expect(sub(dmFake.EVENT_SOURCES, enumValues(dm.lookupEnum(`${DMV}.EventSource`)))).toEqual([]);
    expect(sub(adsFake.BODY_KEYS, fieldNames(type(ads, `${AV}.services.UploadClickConversionsRequest`)))).toEqual([]);
    expect(sub(adsFake.CONVERSION_KEYS, fieldNames(type(ads, `${AV}.services.ClickConversion`)))).toEqual([]);
    expect({
      events: dmFake.MAX_EVENTS,
      destinations: dmFake.MAX_DESTINATIONS,
      conversions: adsFake.MAX_CONVERSIONS,
    }).toEqual({ events: LIMITS.events, destinations: LIMITS.destinations, conversions: LIMITS.conversions });
  });

  it('accept our requests, and refuse each request Google’s definitions refuse', async () => {
    const dmItems = await prepared(
      googleDataManager,
      dmSettings,
      rows()
        .slice(0, 5)
        .map((r) => ({
          ...r,
          conversion: { ...r.conversion, conversionAction: r.conversion.conversionAction ? '888' : undefined },
        })),
    );
    const dmReq = googleDataManager.buildRequest(dmItems, ctx({ ...dmSettings, loginCustomerId: undefined }));
    const dmBody = dmReq.body as Record<string, any>;
    const ingest = (body: unknown) =>
      call(`${dmf.url}/v1/events:ingest`, { body, headers: { authorization: `Bearer ${dmToken}` } });
    expect((await ingest(dmBody)).status).toBe(200);
    const ev0 = dmBody.events[0];
    const dest0 = dmBody.destinations[0];
    const dmMutations: [string, unknown][] = [
      ['an unknown event field', { ...dmBody, events: [{ ...ev0, eventLabel: 'x' }] }],
      ['a consent value of the Ads API', { ...dmBody, events: [{ ...ev0, consent: { adUserData: 'GRANTED' } }] }],
      ['no eventTimestamp', { ...dmBody, events: [{ ...ev0, eventTimestamp: undefined }] }],
      ['a timestamp without a zone', { ...dmBody, events: [{ ...ev0, eventTimestamp: '2026-11-20 11:00:00' }] }],
      [
        'an identifier setting two members of its oneof',
        {
          ...dmBody,
          events: [{ ...ev0, userData: { userIdentifiers: [{ emailAddress: HEX('a'), phoneNumber: HEX('b') }] } }],
        },
      ],
      ['no operatingAccount', { ...dmBody, destinations: [{ ...dest0, operatingAccount: undefined }] }],
      [
        'eleven destinations',
        {
          ...dmBody,
          destinations: Array.from({ length: 11 }, (_, i) => ({ ...dest0, reference: `r${i}` })),
          events: [{ ...ev0, destinationReferences: ['r0'] }],
        },
      ],
      [
        'a resource name as productDestinationId',
        { ...dmBody, destinations: [{ ...dest0, productDestinationId: 'customers/1234567890/conversionActions/888' }] },
      ],
      ['an unknown encoding', { ...dmBody, encoding: 'HEXADECIMAL' }],
    ];
    for (const [what, body] of dmMutations) {
      const req: HttpRequest = { ...dmReq, body: JSON.parse(JSON.stringify(body)) };
      expect(checkDataManagerRequest(req), what).not.toEqual([]);
      expect((await ingest(req.body)).status, what).not.toBe(200);
    }

    const s = { ...adsSettings, apiVersion: 'v25', loginCustomerId: undefined };
    const adsItems = await prepared(googleAds, s, rows());
    const adsReq = googleAds.buildRequest(adsItems, ctx(s));
    const upload = (body: unknown, path = new URL(adsReq.url).pathname) =>
      call(`${adsf.url}${path}`, { body, headers: { authorization: `Bearer ${adsToken}` } });
    const ok = await upload(adsReq.body);
    expect(ok.status).toBe(200);
    expect(ok.body.partialFailureError).toBeUndefined();
    const adsBody = adsReq.body as Record<string, any>;
    const c0 = adsBody.conversions[0];
    const adsMutations: [string, unknown][] = [
      ['an unknown conversion field', { ...adsBody, conversions: [{ ...c0, conversionLabel: 'x' }] }],
      [
        'a doubled resource name',
        {
          ...adsBody,
          conversions: [{ ...c0, conversionAction: `customers/1234567890/conversionActions/${c0.conversionAction}` }],
        },
      ],
      [
        'a conversion action ID where a resource name goes',
        { ...adsBody, conversions: [{ ...c0, conversionAction: '555' }] },
      ],
      [
        'an RFC 3339 conversionDateTime',
        { ...adsBody, conversions: [{ ...c0, conversionDateTime: '2026-11-20T11:00:00Z' }] },
      ],
      [
        'an identifier setting two members of its oneof',
        {
          ...adsBody,
          conversions: [{ ...c0, userIdentifiers: [{ hashedEmail: HEX('a'), hashedPhoneNumber: HEX('b') }] }],
        },
      ],
      [
        'a consent value of the Data Manager API',
        { ...adsBody, conversions: [{ ...c0, consent: { adUserData: 'CONSENT_GRANTED' } }] },
      ],
      [
        'six user identifiers',
        {
          ...adsBody,
          conversions: [{ ...c0, userIdentifiers: Array.from({ length: 6 }, () => ({ hashedEmail: HEX('c') })) }],
        },
      ],
      ['partialFailure missing', { ...adsBody, partialFailure: undefined }],
    ];
    for (const [what, body] of adsMutations) {
      const req: HttpRequest = { ...adsReq, body: JSON.parse(JSON.stringify(body)) };
      expect(checkAdsRequest(req), what).not.toEqual([]);
      const res = await upload(req.body);
      expect(res.status === 200 && !res.body.partialFailureError, what).toBe(false);
    }
  });

  it('every request a fake answered 200 in this file is valid per Google’s definitions', () => {
    const accepted = [
      ...dmf.requests
        .filter((q) => q.path === '/v1/events:ingest' && q.status === 200)
        .map((q) =>
          checkDataManagerRequest({ method: q.method as 'POST', url: `https://x${q.path}`, headers: {}, body: q.body }),
        ),
    ];
    const adsAccepted = adsf.requests
      .filter(
        (q) =>
          q.path.endsWith(':uploadClickConversions') &&
          q.status === 200 &&
          !(q.reply as { partialFailureError?: unknown })?.partialFailureError,
      )
      .map((q) =>
        checkAdsRequest({ method: q.method as 'POST', url: `https://x${q.path}`, headers: {}, body: q.body }),
      );
    expect(accepted.length + adsAccepted.length).toBeGreaterThan(1);
    expect([...accepted, ...adsAccepted].flat()).toEqual([]);
  });
});
