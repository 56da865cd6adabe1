// Google Data Manager API fake: POST /v1/events:ingest (synchronous format checks, answers
// {requestId}) and GET /v1/requestStatus:retrieve (asynchronous outcome per destination), with the
// rules of ad-platforms.md §2.11 and Google's ingestion_service / destination / error protos:
// <= 10 destinations (TOO_MANY_DESTINATIONS), unique references, productDestinationId a conversion
// action ID (digits), events naming only the request's references, <= 2,000 events, encoding,
// RFC 3339 times, one click id, <= 10 user identifiers, consent enum. (Over 300 lines: one
// platform's documented rules in one place, as the other fakes; its protos' rules are many.)
import { randomUUID } from 'node:crypto';
import { FakeOAuth } from './oauth';
import {
  CLICK_ID,
  CLICK_KEYS,
  clickIssue,
  GOOGLE_TOKEN_PATH,
  googleFaultReply,
  rpcError,
  type ClickRegistry,
} from './google-common';
import { ipIssue, isObject, SHA256_HEX } from './rules';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './server';

export const MAX_EVENTS = 2000;
export const MAX_DESTINATIONS = 10;
export const BODY_KEYS = ['destinations', 'events', 'consent', 'validateOnly', 'encoding', 'encryptionInfo'];
export const EVENT_KEYS = [
  'destinationReferences',
  'transactionId',
  'eventTimestamp',
  'lastUpdatedTimestamp',
  'userData',
  'consent',
  'adIdentifiers',
  'currency',
  'conversionValue',
  'eventSource',
  'eventDeviceInfo',
  'cartData',
  'customVariables',
  'userProperties',
  'experimentalFields',
];
export const CONSENT = ['CONSENT_GRANTED', 'CONSENT_DENIED', 'CONSENT_STATUS_UNSPECIFIED'];
export const EVENT_SOURCES = ['WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER'];
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export interface DataManagerFakeOptions {
  customerId: string;
  conversionActionIds: string[];
  loginCustomerId?: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now?: () => number;
}

interface Ingest {
  requestId: string;
  destination: unknown;
  reasons: string[];
  events: Record<string, unknown>[];
}

export interface DataManagerFake extends FakeServer {
  oauth: FakeOAuth;
  registry: ClickRegistry;
  /** Events ingested (not validateOnly), in arrival order. */
  events: Record<string, unknown>[];
  /** While on, every request status reads PROCESSING. */
  setProcessing(on: boolean): void;
}

type Violation = { field: string; description: string; reason?: string };

function eventViolation(e: unknown, i: number, hex: boolean): Violation | null {
  const at = `events[${i}]`;
  const v = (field: string, description: string) => ({ field: `${at}.${field}`, description });
  if (!isObject(e)) return { field: at, description: 'must be an object' };
  const extra = Object.keys(e).filter((k) => !EVENT_KEYS.includes(k));
  if (extra.length) return v(extra[0]!, 'Unknown field');
  if (
    typeof e.eventTimestamp !== 'string' ||
    !RFC3339.test(e.eventTimestamp) ||
    Number.isNaN(Date.parse(e.eventTimestamp))
  )
    return v('eventTimestamp', 'must be an RFC 3339 timestamp');
  if (e.transactionId !== undefined && (typeof e.transactionId !== 'string' || !e.transactionId))
    return v('transactionId', 'must be a non-empty string');
  let click: string | undefined;
  if (e.adIdentifiers !== undefined) {
    const a = e.adIdentifiers;
    if (!isObject(a)) return v('adIdentifiers', 'must be an object');
    const clicks = CLICK_KEYS.filter((k) => a[k] !== undefined);
    if (clicks.length > 1)
      return v(`adIdentifiers.${clicks[1]}`, 'At most one of gclid, gbraid and wbraid can be set.');
    click = clicks[0];
    if (click && (typeof a[click] !== 'string' || !CLICK_ID.test(a[click] as string)))
      return v(`adIdentifiers.${click}`, 'could not be parsed');
    const dev = a.landingPageDeviceInfo;
    if (dev !== undefined) {
      if (!isObject(dev)) return v('adIdentifiers.landingPageDeviceInfo', 'must be an object');
      if (dev.ipAddress !== undefined && ipIssue('', dev.ipAddress))
        return v('adIdentifiers.landingPageDeviceInfo.ipAddress', 'must be an IP address');
    }
  }
  const ids = isObject(e.userData) ? e.userData.userIdentifiers : undefined;
  if (e.userData !== undefined) {
    if (!Array.isArray(ids) || !ids.length || ids.length > 10)
      return v('userData.userIdentifiers', 'must hold 1 to 10 identifiers');
    for (const [j, u] of ids.entries()) {
      const keys = isObject(u) ? Object.keys(u) : [];
      if (keys.length !== 1 || !['emailAddress', 'phoneNumber', 'address'].includes(keys[0]!))
        return v(`userData.userIdentifiers[${j}]`, 'must set exactly one of emailAddress, phoneNumber, address');
      const value = (u as Record<string, unknown>)[keys[0]!];
      if (
        keys[0] !== 'address' &&
        (typeof value !== 'string' || (hex ? !SHA256_HEX.test(value) : !/^[A-Za-z0-9+/]{43}=$/.test(value)))
      )
        return v(
          `userData.userIdentifiers[${j}].${keys[0]}`,
          `must be a SHA-256 hash encoded as ${hex ? 'lowercase hex' : 'base64'}`,
        );
      if (keys[0] === 'address') {
        // AddressInfo: hashed given / family name, region and postal code in clear (formatting guide).
        const a = isObject(value) ? value : {};
        const at = `userData.userIdentifiers[${j}].address`;
        if (Object.keys(a).some((k) => !['givenName', 'familyName', 'regionCode', 'postalCode'].includes(k)))
          return v(at, 'unknown AddressInfo field');
        for (const k of ['givenName', 'familyName'])
          if (
            typeof a[k] !== 'string' ||
            (hex ? !SHA256_HEX.test(a[k] as string) : !/^[A-Za-z0-9+/]{43}=$/.test(a[k] as string))
          )
            return v(`${at}.${k}`, 'must be a SHA-256 hash');
        if (typeof a.regionCode !== 'string' || !/^[A-Z]{2}$/.test(a.regionCode))
          return v(`${at}.regionCode`, 'must be an ISO-3166-1 alpha-2 code, not hashed');
        if (typeof a.postalCode !== 'string' || !a.postalCode.trim() || SHA256_HEX.test(a.postalCode))
          return v(`${at}.postalCode`, 'must be a postal code, not hashed');
      }
    }
  }
  if (!click && !ids) return v('userData', 'An event needs a click id or user data.');
  if (e.consent !== undefined) {
    const c = e.consent;
    if (!isObject(c) || Object.values(c).some((x) => !CONSENT.includes(x as string)))
      return v('consent', `must use ${CONSENT.join(', ')}`);
  }
  if (e.currency !== undefined && (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency)))
    return v('currency', 'must be an ISO 4217 code');
  if (e.conversionValue !== undefined && (typeof e.conversionValue !== 'number' || !Number.isFinite(e.conversionValue)))
    return v('conversionValue', 'must be a number');
  if (e.eventSource !== undefined && !EVENT_SOURCES.includes(e.eventSource as string))
    return v('eventSource', 'unknown event source');
  return null;
}

/** An event may name only references the request's destinations carry (none: all of them). */
function referenceViolation(e: unknown, i: number, references: Set<string>): Violation | null {
  const refs = (e as Record<string, unknown>).destinationReferences;
  if (refs === undefined) return null;
  if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string'))
    return { field: `events[${i}].destinationReferences`, description: 'must be a list of strings' };
  const unknown = refs.find((r) => !references.has(r));
  return unknown === undefined
    ? null
    : {
        field: `events[${i}].destinationReferences`,
        description: `No destination in the request has the reference "${unknown}".`,
      };
}

export async function startDataManagerFake(opts: DataManagerFakeOptions): Promise<DataManagerFake> {
  const now = opts.now ?? Date.now;
  const oauth = new FakeOAuth({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    refreshToken: opts.refreshToken,
    scope: 'https://www.googleapis.com/auth/datamanager',
    expiresIn: 3599,
    now,
  });
  const registry: ClickRegistry = { clicks: new Map() };
  const events: Record<string, unknown>[] = [];
  const ingests = new Map<string, Ingest>();
  const self = { processing: false };

  const bad = (violations: Violation[], reason?: string) =>
    rpcError(400, 'Request contains an invalid argument.', [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
      ...(reason
        ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'datamanager.googleapis.com' }]
        : []),
    ]);

  function destinationViolation(d: unknown, i: number): Violation | null {
    const at = `destinations[${i}]`;
    if (!isObject(d)) return { field: at, description: 'must be an object' };
    const op = d.operatingAccount;
    if (
      !isObject(op) ||
      op.accountType !== 'GOOGLE_ADS' ||
      typeof op.accountId !== 'string' ||
      !/^\d{10}$/.test(op.accountId)
    )
      return {
        field: `${at}.operatingAccount`,
        description: 'must be {accountType: GOOGLE_ADS, accountId: 10 digits}',
      };
    if (op.accountId !== opts.customerId)
      return {
        field: `${at}.operatingAccount.accountId`,
        description: 'The caller does not have permission on this account.',
      };
    if (d.loginAccount !== undefined) {
      const l = d.loginAccount;
      if (!isObject(l) || typeof l.accountId !== 'string' || !/^\d{10}$/.test(l.accountId))
        return { field: `${at}.loginAccount`, description: 'accountId must be 10 digits' };
    }
    if (
      opts.loginCustomerId &&
      (d.loginAccount as Record<string, unknown> | undefined)?.accountId !== opts.loginCustomerId
    )
      return {
        field: `${at}.loginAccount`,
        description: 'The account is reached through a manager: set loginAccount.',
      };
    // A Google Ads product destination is the conversion action ID, never its resource name.
    if (typeof d.productDestinationId !== 'string' || !/^\d+$/.test(d.productDestinationId))
      return {
        field: `${at}.productDestinationId`,
        description: 'Conversion action ID is not valid.',
        reason: 'INVALID_CONVERSION_ACTION_ID',
      };
    if (!opts.conversionActionIds.includes(d.productDestinationId))
      return { field: `${at}.productDestinationId`, description: 'Conversion action not found.' };
    return null;
  }

  function ingest(req: FakeRequest): FakeReply {
    if (!oauth.isValidBearer(req.headers)) return googleFaultReply(401, {});
    const body = req.json;
    if (!isObject(body)) return rpcError(400, 'Invalid JSON payload received.');
    const extra = Object.keys(body).filter((k) => !BODY_KEYS.includes(k));
    if (extra.length)
      return rpcError(400, `Invalid JSON payload received. Unknown name "${extra[0]}": Cannot find field.`);
    if (!Array.isArray(body.destinations) || !body.destinations.length)
      return bad([{ field: 'destinations', description: 'required' }]);
    if (body.destinations.length > MAX_DESTINATIONS)
      return bad(
        [
          {
            field: 'destinations',
            description: `Maximum number of destinations allowed per request is ${MAX_DESTINATIONS}.`,
          },
        ],
        'TOO_MANY_DESTINATIONS',
      );
    const references = new Set<string>();
    for (const [i, d] of body.destinations.entries()) {
      const issue = destinationViolation(d, i);
      if (issue)
        return issue.description.includes('permission')
          ? rpcError(403, issue.description)
          : bad([{ field: issue.field, description: issue.description }], issue.reason);
      const ref = (d as Record<string, unknown>).reference;
      if (typeof ref === 'string' && ref) {
        if (references.has(ref))
          return bad(
            [
              {
                field: `destinations[${i}].reference`,
                description: 'Two or more destinations in the request have the same reference.',
              },
            ],
            'DUPLICATE_DESTINATION_REFERENCE',
          );
        references.add(ref);
      }
    }
    if (!Array.isArray(body.events) || !body.events.length) return bad([{ field: 'events', description: 'required' }]);
    if (body.events.length > MAX_EVENTS)
      return bad([{ field: 'events', description: `at most ${MAX_EVENTS} events per request` }]);
    const hasUserData = body.events.some((e) => isObject(e) && e.userData !== undefined);
    if (body.encoding !== undefined && body.encoding !== 'HEX' && body.encoding !== 'BASE64')
      return bad([{ field: 'encoding', description: 'must be HEX or BASE64' }]);
    if (hasUserData && body.encoding === undefined)
      return bad([{ field: 'encoding', description: 'required when user data is sent' }]);
    if (
      body.consent !== undefined &&
      (!isObject(body.consent) || Object.values(body.consent).some((x) => !CONSENT.includes(x as string)))
    )
      return bad([{ field: 'consent', description: `must use ${CONSENT.join(', ')}` }]);
    const violations = body.events
      .map((e, i) => eventViolation(e, i, body.encoding !== 'BASE64') ?? referenceViolation(e, i, references))
      .filter((v): v is Violation => v !== null);
    if (violations.length) return bad(violations);
    const transactions = new Set<string>();
    for (const [i, e] of (body.events as Record<string, unknown>[]).entries()) {
      if (typeof e.transactionId !== 'string') continue;
      if (transactions.has(e.transactionId))
        return bad([{ field: `events[${i}].transactionId`, description: 'Duplicate transactionId in the request.' }]);
      transactions.add(e.transactionId);
    }
    if (body.validateOnly === true) return { status: 200, body: {} };
    const requestId = randomUUID();
    const reasons: string[] = [];
    for (const e of body.events as Record<string, unknown>[]) {
      const a = (e.adIdentifiers ?? {}) as Record<string, unknown>;
      const click = CLICK_KEYS.find((k) => a[k] !== undefined);
      const issue = click
        ? clickIssue(registry, a[click] as string, Date.parse(e.eventTimestamp as string), now())
        : null;
      if (issue) reasons.push(issue);
      else events.push(e);
    }
    ingests.set(requestId, {
      requestId,
      destination: body.destinations[0],
      reasons,
      events: body.events as Record<string, unknown>[],
    });
    return { status: 200, body: { requestId } };
  }

  function status(req: FakeRequest): FakeReply {
    if (!oauth.isValidBearer(req.headers)) return googleFaultReply(401, {});
    const id = req.query.get('requestId') ?? '';
    const found = ingests.get(id);
    if (!found) return rpcError(404, `Request ${id} not found.`);
    const total = found.events.length;
    const failed = found.reasons.length;
    const requestStatus = self.processing
      ? 'PROCESSING'
      : failed === 0
        ? 'SUCCESS'
        : failed === total
          ? 'FAILED'
          : 'PARTIAL_SUCCESS';
    const counts = new Map<string, number>();
    for (const r of found.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    return {
      status: 200,
      body: {
        requestStatusPerDestination: [
          {
            destination: found.destination,
            requestStatus,
            ...(failed && !self.processing
              ? {
                  errorInfo: {
                    errorCounts: [...counts].map(([reason, recordCount]) => ({
                      reason,
                      recordCount: String(recordCount),
                    })),
                  },
                }
              : {}),
            eventsIngestionStatus: { recordCount: String(total) },
          },
        ],
      },
    };
  }

  function handle(req: FakeRequest): FakeReply {
    if (req.path === GOOGLE_TOKEN_PATH) return oauth.handleToken(req);
    if (req.path === '/v1/events:ingest' && req.method === 'POST') return ingest(req);
    if (req.path === '/v1/requestStatus:retrieve' && req.method === 'GET') return status(req);
    return rpcError(404, `The requested URL ${req.path} was not found on this server.`);
  }

  const control = (b: Record<string, unknown>) => {
    if (b.action === 'expireTokens') return (oauth.expireAll(), true);
    if (b.action === 'processing' && typeof b.value === 'boolean') return ((self.processing = b.value), true);
    return false;
  };
  const server = await startFakeServer({
    handle,
    errorFor: (s, f) => googleFaultReply(s, f),
    isTokenPath: (p) => p === GOOGLE_TOKEN_PATH,
    snapshot: () => events,
    control,
  });
  return Object.assign(server, { oauth, registry, events, setProcessing: (v: boolean) => void (self.processing = v) });
}
