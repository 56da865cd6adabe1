// ChatGPT (OpenAI) Ads Conversions API fake: POST /v1/events?pid={pixel} with a Conversions API key
// as Bearer and the rules of OpenAI's reference (developers.openai.com/ads/conversions-api and its
// supported events): {validate_only?, events} with 1..1,000 events; id, type (a standard event or
// custom + custom_event_name), timestamp_ms within the last 7 days and at most 10 minutes ahead,
// source_url on web events, a known action_source, user fields (email_sha256 / external_id_sha256 as
// lowercase SHA-256 hex, a valid IP, a two-letter country), data in the shape of the type with an
// integer amount in minor units and its currency. One invalid event fails the whole batch. Error
// bodies follow OpenAI's {error: {message, type, code}}; the success body is modeled.
import { currencyIssue, DAY_MS, ipIssue, isObject, SHA256_HEX, unknownKeys } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';

export const MAX_EVENTS = 1000;
const SHAPES: Record<string, string> = {
  page_viewed: 'contents',
  contents_viewed: 'contents',
  items_added: 'contents',
  checkout_started: 'contents',
  order_created: 'contents',
  lead_created: 'customer_action',
  registration_completed: 'customer_action',
  appointment_scheduled: 'customer_action',
  subscription_created: 'plan_enrollment',
  trial_started: 'plan_enrollment',
  custom: 'custom',
};
const ACTION_SOURCES = ['web', 'mobile_app', 'offline', 'physical_store', 'phone_call', 'email', 'other'];
const EVENT = [
  'id',
  'type',
  'timestamp_ms',
  'custom_event_name',
  'oppref',
  'source_url',
  'action_source',
  'user',
  'opt_out',
  'data',
];
const USER = ['email_sha256', 'external_id_sha256', 'country', 'city', 'zip_code', 'ip_address', 'user_agent'];
const DATA: Record<string, string[]> = {
  contents: ['type', 'amount', 'currency', 'contents'],
  customer_action: ['type', 'amount', 'currency'],
  plan_enrollment: ['type', 'amount', 'currency', 'plan_id'],
  custom: ['type', 'amount', 'currency', 'contents', 'plan_id'],
};

export interface OpenAIAdsFakeOptions {
  pixelId: string;
  apiKey: string;
  now?: () => number;
}

export interface OpenAIAdsFake extends FakeServer {
  /** Events saved (validate_only requests save nothing), deduplicated by id + type. */
  events: Record<string, unknown>[];
  /** Requests validated without saving. */
  validated: number;
  /** The next request holding this event id fails whole. */
  poison(id: string): void;
  revokeKey(): void;
}

const error = (
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): FakeReply => ({ status, body: { error: { message, type, param: null, code } } });

function eventIssue(e: unknown, i: number, nowMs: number): string | null {
  const at = `events[${i}]`;
  if (!isObject(e)) return `${at} must be an object`;
  const extra = unknownKeys(e, EVENT, at);
  if (extra) return extra;
  if (typeof e.id !== 'string' || !e.id) return `Missing required field: ${at}.id`;
  if (typeof e.type !== 'string' || !SHAPES[e.type]) return `${at}.type must be a supported standard event or custom`;
  if (
    e.type === 'custom'
      ? typeof e.custom_event_name !== 'string' || !e.custom_event_name
      : e.custom_event_name !== undefined
  )
    return `${at}.custom_event_name is required when type is custom, and only then`;
  if (!Number.isInteger(e.timestamp_ms) || (e.timestamp_ms as number) < 1e12)
    return `${at}.timestamp_ms must be epoch milliseconds`;
  if (nowMs - (e.timestamp_ms as number) > 7 * DAY_MS) return `${at}.timestamp_ms must be within the last 7 days`;
  if ((e.timestamp_ms as number) - nowMs > 10 * 60_000)
    return `${at}.timestamp_ms must be no more than 10 minutes ahead`;
  if (
    e.action_source !== undefined &&
    (typeof e.action_source !== 'string' || !ACTION_SOURCES.includes(e.action_source))
  )
    return `${at}.action_source must be one of ${ACTION_SOURCES.join(', ')}`;
  if (e.action_source === 'web' && (typeof e.source_url !== 'string' || !/^https?:\/\//.test(e.source_url)))
    return `${at}.source_url is required when action_source is web`;
  if (e.oppref !== undefined && (typeof e.oppref !== 'string' || !e.oppref)) return `${at}.oppref must be a string`;
  if (e.opt_out !== undefined && typeof e.opt_out !== 'boolean') return `${at}.opt_out must be a boolean`;
  if (e.user !== undefined) {
    if (!isObject(e.user)) return `${at}.user must be an object`;
    const u = e.user;
    const extraU = unknownKeys(u, USER, `${at}.user`);
    if (extraU) return extraU;
    for (const k of ['email_sha256', 'external_id_sha256'])
      if (u[k] !== undefined && (typeof u[k] !== 'string' || !SHA256_HEX.test(u[k] as string)))
        return `${at}.user.${k} must be SHA-256 as 64 lowercase hex characters`;
    if (u.ip_address !== undefined) {
      const ip = ipIssue(`${at}.user.ip_address`, u.ip_address);
      if (ip) return ip;
    }
    if (u.country !== undefined && (typeof u.country !== 'string' || !/^[A-Za-z]{2}$/.test(u.country)))
      return `${at}.user.country must be an ISO 3166-1 alpha-2 code`;
    if (u.user_agent !== undefined && (typeof u.user_agent !== 'string' || !u.user_agent))
      return `${at}.user.user_agent must be a non-empty string`;
  }
  const d = e.data;
  if (!isObject(d)) return `Missing required field: ${at}.data`;
  if (d.type !== SHAPES[e.type]) return `${at}.data.type must be ${SHAPES[e.type]} for ${e.type}`;
  const extraD = unknownKeys(d, DATA[d.type as string]!, `${at}.data`);
  if (extraD) return extraD;
  if (d.amount !== undefined) {
    if (!Number.isInteger(d.amount) || (d.amount as number) < 0)
      return `${at}.data.amount must be a non-negative integer in the currency's minor units`;
    const c = currencyIssue(`${at}.data.currency`, d.currency);
    if (c) return c;
  }
  return null;
}

export async function startOpenAIAdsFake(opts: OpenAIAdsFakeOptions): Promise<OpenAIAdsFake> {
  const now = opts.now ?? Date.now;
  const events: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const poisoned = new Set<string>();
  let keyValid = true;
  const state = { validated: 0 };

  function handle(req: FakeRequest): FakeReply {
    if (req.path !== '/v1/events') return error(404, `Invalid URL (${req.method} ${req.path})`);
    if (req.method !== 'POST') return error(405, 'Method not allowed');
    const auth = /^Bearer (\S+)$/.exec(req.headers['authorization'] ?? '');
    if (!auth) return error(401, "You didn't provide an API key.", 'invalid_request_error', 'missing_api_key');
    if (auth[1] !== opts.apiKey || !keyValid)
      return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    const pid = req.query.get('pid');
    if (!pid) return error(400, 'Missing required parameter: pid');
    if (pid !== opts.pixelId) return error(404, `Pixel ${pid} not found`);
    const body = req.json;
    if (!isObject(body)) return error(400, 'The body must be a JSON object');
    const extra = unknownKeys(body, ['validate_only', 'events'], 'body');
    if (extra) return error(400, extra);
    if (body.validate_only !== undefined && typeof body.validate_only !== 'boolean')
      return error(400, 'validate_only must be a boolean');
    if (!Array.isArray(body.events)) return error(400, 'Missing required field: events');
    if (!body.events.length) return error(400, 'events must hold at least one event');
    if (body.events.length > MAX_EVENTS)
      return error(400, `events holds ${body.events.length}; at most ${MAX_EVENTS} per request`);
    for (let i = 0; i < body.events.length; i++) {
      const issue = eventIssue(body.events[i], i, now());
      if (issue) return error(400, issue);
      if (poisoned.has((body.events[i] as Record<string, unknown>).id as string))
        return error(400, `events[${i}] was rejected`);
    }
    if (body.validate_only === true) {
      state.validated++;
      return { status: 200, body: { validate_only: true, events_received: body.events.length } };
    }
    for (const e of body.events as Record<string, unknown>[]) {
      // Deduplication on id + type (the pixel's events included).
      const key = `${e.type}|${e.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(e);
    }
    return { status: 200, body: { events_received: body.events.length } };
  }

  function errorFor(status: number, _f: Fault): FakeReply {
    if (status === 429) return error(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded');
    if (status === 401) return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    if (status >= 500) return error(status, 'The server had an error while processing your request.', 'server_error');
    return error(status, 'Injected failure');
  }

  const control = (b: Record<string, unknown>) => {
    if (b.action === 'poison' && typeof b.eventId === 'string') return (poisoned.add(b.eventId), true);
    if (b.action === 'revokeKey') return ((keyValid = false), true);
    if (b.action === 'restoreKey') return ((keyValid = true), true);
    return false;
  };
  const server = await startFakeServer({ handle, errorFor, snapshot: () => events, control });
  const fake = Object.assign(server, {
    events,
    validated: 0,
    poison: (id: string) => void poisoned.add(id),
    revokeKey: () => void (keyValid = false),
  });
  // A live count (Object.assign would copy a getter's value once).
  return Object.defineProperty(fake, 'validated', { get: () => state.validated });
}
