// Meta Conversions API fake: POST /v{NN}.0/{pixelId}/events?access_token=... with the rules of
// ad-platforms.md §1 (event fields, hashing, fbc/fbp shapes, 7-day age, 1,000 events, whole-batch
// rejection) and Graph's answer shapes.
import { randomBytes } from 'node:crypto';
import { currencyIssue, DAY_MS, hashIssue, ipIssue, isObject, unknownKeys } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';
import { tokenAndPoison } from './switches';

export const META_ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
];
const HASHED = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country'];
const USER_DATA = [
  ...HASHED,
  'external_id',
  'client_ip_address',
  'client_user_agent',
  'fbc',
  'fbp',
  'lead_id',
  'subscription_id',
  'fb_login_id',
  'page_id',
  'madid',
  'anon_id',
  'ctwa_clid',
];
const STRONG = ['em', 'ph', 'external_id', 'fbc', 'fbp', 'client_ip_address', 'lead_id'];
const EVENT = [
  'event_name',
  'event_time',
  'event_id',
  'action_source',
  'event_source_url',
  'user_data',
  'custom_data',
  'opt_out',
  'data_processing_options',
  'data_processing_options_country',
  'data_processing_options_state',
  'referrer_url',
  'original_event_data',
  'customer_segmentation',
  'app_data',
];
const BODY = [
  'data',
  'test_event_code',
  'partner_agent',
  'access_token',
  'namespace_id',
  'upload_id',
  'upload_tag',
  'upload_source',
];
export const FBC = /^fb\.[0-2]\.\d{13}\.[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)?$/;
export const FBP = /^fb\.[0-2]\.\d{13}\.\d+(\.[A-Za-z0-9]+)?$/;
export const MAX_EVENTS = 1000;

export interface MetaFakeOptions {
  pixelId: string;
  accessToken: string;
  now?: () => number;
  /** Oldest Graph version still answered (CAPI keeps versions for >= 2 years). */
  minVersion?: number;
}

export interface MetaEvent {
  event: Record<string, unknown>;
  testEventCode?: string;
}

export interface MetaFake extends FakeServer {
  /** Events Meta accepted (test events included, as Meta records them), in arrival order. */
  events: MetaEvent[];
  /** The next batch holding this event_id is rejected whole (code 100), as Meta does. */
  poison(eventId: string): void;
  revokeToken(): void;
}

const trace = () => randomBytes(8).toString('base64url');

export function metaError(
  status: number,
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
): FakeReply {
  return {
    status,
    body: { error: { message, type: 'OAuthException', code, is_transient: false, fbtrace_id: trace(), ...extra } },
  };
}

function invalid(msg: string, subcode = 2804019): FakeReply {
  return metaError(400, 100, 'Invalid parameter', {
    error_subcode: subcode,
    error_user_title: 'Invalid parameter',
    error_user_msg: msg,
  });
}

function eventIssue(e: unknown, i: number, nowMs: number): { msg: string; subcode?: number } | null {
  const at = `data[${i}]`;
  if (!isObject(e)) return { msg: `${at} must be an object` };
  const extra = unknownKeys(e, EVENT, at);
  if (extra) return { msg: extra };
  if (typeof e.event_name !== 'string' || !e.event_name) return { msg: `${at}.event_name is required` };
  if (!Number.isInteger(e.event_time)) return { msg: `${at}.event_time must be Unix seconds (an integer)` };
  if (typeof e.action_source !== 'string' || !META_ACTION_SOURCES.includes(e.action_source))
    return { msg: `${at}.action_source must be one of ${META_ACTION_SOURCES.join(', ')}` };
  const maxAge = (e.action_source === 'physical_store' ? 62 : 7) * DAY_MS;
  const t = (e.event_time as number) * 1000;
  if (t < 1e12) return { msg: `${at}.event_time looks like milliseconds or is not Unix seconds` };
  if (nowMs - t > maxAge)
    return { msg: `${at}.event_time is more than ${maxAge / DAY_MS} days in the past`, subcode: 2804003 };
  if (t - nowMs > 10 * 60_000) return { msg: `${at}.event_time is in the future` };
  if (e.event_id !== undefined && (typeof e.event_id !== 'string' || !e.event_id))
    return { msg: `${at}.event_id must be a non-empty string` };
  if (!isObject(e.user_data)) return { msg: `${at}.user_data is required` };
  const u = e.user_data;
  const extraU = unknownKeys(u, USER_DATA, `${at}.user_data`);
  if (extraU) return { msg: extraU };
  for (const k of HASHED)
    if (u[k] !== undefined) {
      const issue = hashIssue(`${at}.user_data.${k}`, u[k]);
      if (issue) return { msg: issue };
    }
  if (u.external_id !== undefined && !(typeof u.external_id === 'string' || Array.isArray(u.external_id)))
    return { msg: `${at}.user_data.external_id must be a string or array` };
  if (u.fbc !== undefined && (typeof u.fbc !== 'string' || !FBC.test(u.fbc)))
    return { msg: `${at}.user_data.fbc must be fb.<0-2>.<creation ms>.<fbclid>` };
  if (u.fbp !== undefined && (typeof u.fbp !== 'string' || !FBP.test(u.fbp)))
    return { msg: `${at}.user_data.fbp must be fb.<0-2>.<creation ms>.<random>` };
  if (u.client_ip_address !== undefined) {
    const issue = ipIssue(`${at}.user_data.client_ip_address`, u.client_ip_address);
    if (issue) return { msg: issue };
  }
  if (!STRONG.some((k) => u[k] !== undefined))
    return { msg: `${at}.user_data has too little customer information`, subcode: 2804050 };
  if (e.action_source === 'website') {
    if (typeof e.event_source_url !== 'string' || !/^https?:\/\//.test(e.event_source_url))
      return { msg: `${at}.event_source_url is required for website events` };
    if (typeof u.client_user_agent !== 'string' || !u.client_user_agent)
      return { msg: `${at}.user_data.client_user_agent is required for website events` };
  }
  if (e.custom_data !== undefined) {
    if (!isObject(e.custom_data)) return { msg: `${at}.custom_data must be an object` };
    const c = e.custom_data;
    if (c.value !== undefined && (typeof c.value !== 'number' || !Number.isFinite(c.value)))
      return { msg: `${at}.custom_data.value must be a number` };
    if (c.currency !== undefined) {
      const issue = currencyIssue(
        `${at}.custom_data.currency`,
        typeof c.currency === 'string' ? c.currency.toUpperCase() : c.currency,
      );
      if (issue) return { msg: issue };
    }
  }
  return null;
}

export async function startMetaFake(opts: MetaFakeOptions): Promise<MetaFake> {
  const now = opts.now ?? Date.now;
  const events: MetaEvent[] = [];
  const levers = tokenAndPoison('eventId');

  function handle(req: FakeRequest): FakeReply {
    const m = /^\/v(\d+)\.0\/([^/]+)\/events$/.exec(req.path);
    if (!m) return metaError(400, 2500, `Unknown path components: ${req.path}`);
    if (+m[1]! < (opts.minVersion ?? 20)) return metaError(400, 2635, `API version v${m[1]}.0 is deprecated`);
    if (req.method !== 'POST') return metaError(400, 100, 'Unsupported get request');
    const body = req.json;
    if (!isObject(body)) return invalid('The request body must be a JSON object');
    const token =
      req.query.get('access_token') ?? (typeof body.access_token === 'string' ? body.access_token : undefined);
    if (!token) return metaError(400, 104, 'An access token is required to request this resource.');
    if (token !== opts.accessToken || !levers.tokenValid())
      return metaError(401, 190, 'Error validating access token: Session has expired.', { error_subcode: 463 });
    if (m[2] !== opts.pixelId)
      return metaError(400, 100, `Unsupported post request. Object with ID '${m[2]}' does not exist`, {
        error_subcode: 33,
      });
    const extra = unknownKeys(body, BODY, 'body');
    if (extra) return invalid(extra);
    if (!Array.isArray(body.data) || body.data.length === 0) return invalid('data must be a non-empty array of events');
    if (body.data.length > MAX_EVENTS)
      return invalid(`data holds ${body.data.length} events; at most ${MAX_EVENTS} per request`);
    if (body.test_event_code !== undefined && (typeof body.test_event_code !== 'string' || !body.test_event_code))
      return invalid('test_event_code must be a string');
    for (let i = 0; i < body.data.length; i++) {
      const issue = eventIssue(body.data[i], i, now());
      if (issue) return invalid(issue.msg, issue.subcode);
      const id = (body.data[i] as Record<string, unknown>).event_id;
      if (levers.isPoisoned(id)) return invalid(`data[${i}] was rejected`, 2804050);
    }
    for (const event of body.data as Record<string, unknown>[])
      events.push({ event, ...(body.test_event_code ? { testEventCode: body.test_event_code as string } : {}) });
    return { status: 200, body: { events_received: body.data.length, messages: [], fbtrace_id: trace() } };
  }

  function errorFor(status: number, fault: Fault): FakeReply {
    if (fault.kind === 'rate_limit')
      return metaError(400, 17, 'User request limit reached', { error_subcode: 2446079, is_transient: true });
    if (status === 429) return metaError(429, 4, 'Application request limit reached', { is_transient: true });
    if (status === 401)
      return metaError(401, 190, 'Error validating access token: Session has expired.', { error_subcode: 463 });
    if (status >= 500) return metaError(status, 2, 'Service temporarily unavailable', { is_transient: true });
    return metaError(status, 1, 'An unknown error occurred', { is_transient: false });
  }

  const server = await startFakeServer({ handle, errorFor, snapshot: () => events, control: levers.control });
  return Object.assign(server, {
    events,
    poison: levers.poison,
    revokeToken: levers.revokeToken,
  });
}
