// LinkedIn Conversions API fake: POST /rest/conversionEvents, single (201) or BATCH_CREATE
// (per-element status), with the headers and rules of ad-platforms.md §3: LinkedIn-Version active,
// Rest.li 2.0.0, conversion URN, ms times within 90 days, SHA256_EMAIL hex, <= 5,000 a batch.
import { FakeOAuth } from './oauth';
import { DAY_MS, isObject, SHA256_HEX } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';

export const LINKEDIN_TOKEN_PATH = '/oauth/v2/accessToken';
export const MAX_BATCH = 5000;
const ID_TYPES = [
  'SHA256_EMAIL',
  'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID',
  'ACXIOM_ID',
  'ORACLE_MOAT_ID',
  'PLAINTEXT_IP_ADDRESS',
  'SHA256_IP_ADDRESS',
  'GOOGLE_AID',
];
const EVENT_KEYS = ['conversion', 'conversionHappenedAt', 'conversionValue', 'eventId', 'user'];

export interface LinkedInFakeOptions {
  conversionIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now?: () => number;
  /** LinkedIn returns a new refresh token on refresh when on. */
  rotateRefreshTokens?: boolean;
}

export interface LinkedInFake extends FakeServer {
  oauth: FakeOAuth;
  events: Record<string, unknown>[];
  /** Element status forced for the event with this eventId (e.g. 400). */
  rowErrors: Map<string, number>;
}

const restli = (status: number, code: string, message: string, serviceErrorCode?: number): FakeReply => ({
  status,
  body: { status, code, message, ...(serviceErrorCode ? { serviceErrorCode } : {}) },
});

function activeVersion(v: string, nowMs: number): boolean {
  if (!/^\d{6}$/.test(v)) return false;
  const d = new Date(nowMs);
  const current = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const asked = +v.slice(0, 4) * 12 + (+v.slice(4) - 1);
  // Monthly versions, each supported about a year.
  return +v.slice(4) >= 1 && +v.slice(4) <= 12 && asked <= current && current - asked < 12;
}

function eventIssue(e: unknown, conversionIds: string[], nowMs: number): string | null {
  if (!isObject(e)) return 'An event must be an object';
  const extra = Object.keys(e).filter((k) => !EVENT_KEYS.includes(k));
  if (extra.length) return `Unrecognized field(s) ${extra.join(', ')}`;
  const urn = typeof e.conversion === 'string' ? /^urn:lla:llaPartnerConversion:(\d+)$/.exec(e.conversion) : null;
  if (!urn) return '/conversion must be urn:lla:llaPartnerConversion:{id}';
  if (!conversionIds.includes(urn[1]!))
    return `Conversion rule ${urn[1]} does not exist or is not a CONVERSIONS_API rule`;
  const at = e.conversionHappenedAt;
  if (!Number.isInteger(at) || (at as number) < 1e12) return '/conversionHappenedAt must be epoch milliseconds';
  if (nowMs - (at as number) > 90 * DAY_MS) return '/conversionHappenedAt must be within the past 90 days';
  if ((at as number) - nowMs > 60_000) return '/conversionHappenedAt must not be in the future';
  if (e.eventId !== undefined && (typeof e.eventId !== 'string' || !e.eventId || e.eventId.length > 64))
    return '/eventId must be a string of at most 64 characters';
  if (e.conversionValue !== undefined) {
    const v = e.conversionValue;
    if (
      !isObject(v) ||
      typeof v.currencyCode !== 'string' ||
      !/^[A-Z]{3}$/.test(v.currencyCode) ||
      typeof v.amount !== 'string' ||
      !/^\d+(\.\d+)?$/.test(v.amount)
    )
      return '/conversionValue must be {currencyCode: ISO 4217, amount: decimal string}';
  }
  const u = e.user;
  if (!isObject(u) || !Array.isArray(u.userIds)) return '/user/userIds is required';
  for (const id of u.userIds) {
    if (!isObject(id) || !ID_TYPES.includes(id.idType as string) || typeof id.idValue !== 'string' || !id.idValue)
      return '/user/userIds items must be {idType, idValue}';
    if ((id.idType === 'SHA256_EMAIL' || id.idType === 'SHA256_IP_ADDRESS') && !SHA256_HEX.test(id.idValue))
      return `/user/userIds ${id.idType} must be SHA-256 lowercase hex`;
  }
  const info = isObject(u.userInfo) ? u.userInfo : undefined;
  if (u.userInfo !== undefined) {
    if (
      !info ||
      Object.keys(info).some((k) => !['firstName', 'lastName', 'title', 'companyName', 'countryCode'].includes(k))
    )
      return '/user/userInfo has unknown fields';
    if (typeof info.firstName !== 'string' || typeof info.lastName !== 'string' || !info.firstName || !info.lastName)
      return '/user/userInfo needs firstName and lastName';
    if ([...info.firstName].length > 35) return '/user/userInfo/firstName is longer than 35 characters';
    if (info.countryCode !== undefined && !/^[A-Z]{2}$/.test(info.countryCode as string))
      return '/user/userInfo/countryCode must be ISO alpha-2';
  }
  if (!u.userIds.length && !(info?.firstName && info?.lastName)) return 'The user needs at least one identifier';
  if (u.externalIds !== undefined && (!Array.isArray(u.externalIds) || u.externalIds.length > 1))
    return '/user/externalIds holds at most one element';
  return null;
}

export async function startLinkedInFake(opts: LinkedInFakeOptions): Promise<LinkedInFake> {
  const now = opts.now ?? Date.now;
  const oauth = new FakeOAuth({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    refreshToken: opts.refreshToken,
    rotate: opts.rotateRefreshTokens,
    expiresIn: 5_183_999,
    now,
  });
  const events: Record<string, unknown>[] = [];
  const rowErrors = new Map<string, number>();

  function handle(req: FakeRequest): FakeReply {
    if (req.path === LINKEDIN_TOKEN_PATH) {
      const r = oauth.handleToken(req);
      if (r.status === 200 && !opts.rotateRefreshTokens)
        (r.body as Record<string, unknown>).refresh_token = oauth.currentRefreshToken();
      return r;
    }
    if (req.path !== '/rest/conversionEvents') return restli(404, 'RESOURCE_NOT_FOUND', `No resource at ${req.path}`);
    if (req.method !== 'POST') return restli(405, 'METHOD_NOT_ALLOWED', 'POST only');
    if (!oauth.isValidBearer(req.headers))
      return restli(401, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired', 65601);
    const version = req.headers['linkedin-version'] ?? '';
    if (!version)
      return restli(
        400,
        'VERSION_MISSING',
        'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
      );
    if (!activeVersion(version, now()))
      return restli(426, 'NONEXISTENT_VERSION', `Requested version ${version} is not active`);
    if (req.headers['x-restli-protocol-version'] !== '2.0.0')
      return restli(400, 'ILLEGAL_ARGUMENT', 'X-Restli-Protocol-Version: 2.0.0 is required');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return restli(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    const body = req.json;
    const batch = (req.headers['x-restli-method'] ?? '').toUpperCase() === 'BATCH_CREATE';
    if (!batch) {
      const issue = eventIssue(body, opts.conversionIds, now());
      if (issue) return restli(400, 'FIELD_VALUE_INVALID', issue);
      events.push(body as Record<string, unknown>);
      return { status: 201 };
    }
    if (!isObject(body) || !Array.isArray(body.elements) || !body.elements.length)
      return restli(400, 'ILLEGAL_ARGUMENT', 'BATCH_CREATE needs {elements: [...]}');
    if (body.elements.length > MAX_BATCH)
      return restli(400, 'ILLEGAL_ARGUMENT', `At most ${MAX_BATCH} elements per batch`);
    const elements = body.elements.map((e) => {
      const forced = isObject(e) && typeof e.eventId === 'string' ? rowErrors.get(e.eventId) : undefined;
      if (forced)
        return { status: forced, error: { status: forced, code: 'FORCED', message: `Forced by the fake: ${forced}` } };
      const issue = eventIssue(e, opts.conversionIds, now());
      if (issue) return { status: 400, error: { status: 400, code: 'FIELD_VALUE_INVALID', message: issue } };
      events.push(e as Record<string, unknown>);
      return { status: 201 };
    });
    return { status: 200, body: { elements } };
  }

  function errorFor(status: number, _fault: Fault): FakeReply {
    if (status === 429)
      return restli(
        429,
        'TOO_MANY_REQUESTS',
        'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
      );
    if (status === 401) return restli(401, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired', 65601);
    return restli(status, status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'ILLEGAL_ARGUMENT', 'Injected failure');
  }

  const control = (b: Record<string, unknown>) => {
    if (b.action === 'rowError' && typeof b.eventId === 'string' && typeof b.status === 'number')
      return (rowErrors.set(b.eventId, b.status), true);
    if (b.action === 'expireTokens') return (oauth.expireAll(), true);
    return false;
  };
  const server = await startFakeServer({
    handle,
    errorFor,
    isTokenPath: (p) => p === LINKEDIN_TOKEN_PATH,
    snapshot: () => events,
    control,
  });
  return Object.assign(server, { oauth, events, rowErrors });
}
