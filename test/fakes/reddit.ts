// Reddit Conversions API v3 fake: POST /api/v3/pixels/{pixel}/conversion_events with a conversion
// access token, and the rules of ad-platforms.md §4.3 and Reddit's v3 reference: a {data: {events}}
// wrapper, <= 1,000 events, event_at in ms within 7 days, a required action_source and
// metadata.conversion_id, UPPER_SNAKE tracking types (CUSTOM with a name <= 64), value and currency
// together, a match key per event, SHA-256 as lowercase hex. One invalid event refuses the whole
// request ("None were processed"). Generic user agents are throttled. test_id routes to Event Testing.
import { currencyIssue, DAY_MS, ipIssue, isObject, unknownKeys } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';
import { tokenAndPoison } from './switches';

export const MAX_EVENTS = 1000;
const ACTION_SOURCES = ['WEBSITE', 'APP', 'PHYSICAL_STORE', 'OTHER'];
const TRACKING_TYPES = [
  'PAGE_VISIT',
  'VIEW_CONTENT',
  'SEARCH',
  'ADD_TO_CART',
  'ADD_TO_WISHLIST',
  'PURCHASE',
  'LEAD',
  'SIGN_UP',
  'CUSTOM',
];
const NO_VALUE = ['PAGE_VISIT', 'VIEW_CONTENT', 'SEARCH'];
const EVENT = ['event_at', 'action_source', 'type', 'click_id', 'event_source_url', 'metadata', 'user'];
const USER = [
  'email',
  'external_id',
  'phone_number',
  'ip_address',
  'user_agent',
  'uuid',
  'idfa',
  'aaid',
  'screen_dimensions',
  'data_processing_options',
];
const MATCH_KEYS = ['email', 'external_id', 'phone_number', 'ip_address', 'user_agent', 'uuid', 'idfa', 'aaid'];
const METADATA = ['conversion_id', 'currency', 'value', 'item_count', 'products'];
const GENERIC_UA = /^(node|undici|python|curl|axios|go-http|java|okhttp|wget)/i;
const UUID = /^\d{13}\.[\w.-]{8,200}$/;

export interface RedditFakeOptions {
  pixelId: string;
  accessToken: string;
  now?: () => number;
}

export interface RedditFake extends FakeServer {
  /** Events Reddit counts (test events excluded), deduplicated by conversion id + type within 2 days. */
  events: Record<string, unknown>[];
  /** Events sent with a test_id: shown in Event Testing, never counted. */
  testEvents: { testId: string; event: Record<string, unknown> }[];
  /** The next request holding this conversion_id is refused whole, as one invalid event does. */
  poison(conversionId: string): void;
  revokeToken(): void;
}

const error = (status: number, message: string): FakeReply => ({ status, body: { error: { code: status, message } } });

// Reddit takes identifiers hashed (lowercase hex) or in clear (then hashes them itself); anything
// 64 characters of hex that is not lowercase is a broken hash.
function hashedOrClear(field: string, v: unknown): string | null {
  if (typeof v !== 'string' || !v) return `${field} must be a non-empty string`;
  if (/^[0-9a-fA-F]{64}$/.test(v) && v !== v.toLowerCase()) return `${field} hash must be lowercase hex`;
  return null;
}

function eventIssue(e: unknown, i: number, nowMs: number): string | null {
  const at = `events[${i}]`;
  if (!isObject(e)) return `${at} must be an object`;
  const extra = unknownKeys(e, EVENT, at);
  if (extra) return extra;
  if (!Number.isInteger(e.event_at) || (e.event_at as number) < 1e12)
    return `${at}.event_at must be Unix epoch milliseconds (an integer)`;
  if (nowMs - (e.event_at as number) > 7 * DAY_MS) return `${at}.event_at is more than 7 days in the past`;
  if ((e.event_at as number) - nowMs > 10 * 60_000) return `${at}.event_at is in the future`;
  if (typeof e.action_source !== 'string' || !ACTION_SOURCES.includes(e.action_source))
    return e.action_source === undefined
      ? 'missing action_source'
      : `invalid action_source: ${String(e.action_source)}`;
  const type = e.type;
  if (!isObject(type) || typeof type.tracking_type !== 'string' || !TRACKING_TYPES.includes(type.tracking_type))
    return `${at}.type.tracking_type must be one of ${TRACKING_TYPES.join(', ')}`;
  if (
    type.tracking_type === 'CUSTOM'
      ? typeof type.custom_event_name !== 'string' || !type.custom_event_name || type.custom_event_name.length > 64
      : type.custom_event_name !== undefined
  )
    return `${at}.type.custom_event_name is required (<= 64 characters) for CUSTOM and only for CUSTOM`;
  if (e.click_id !== undefined && (typeof e.click_id !== 'string' || !e.click_id))
    return `${at}.click_id must be a non-empty string`;
  if (
    e.event_source_url !== undefined &&
    (e.action_source !== 'WEBSITE' ||
      typeof e.event_source_url !== 'string' ||
      !/^https?:\/\//.test(e.event_source_url))
  )
    return `${at}.event_source_url is an http(s) URL, on WEBSITE events only`;
  const m = e.metadata;
  if (!isObject(m)) return `${at}.metadata is required`;
  const extraM = unknownKeys(m, METADATA, `${at}.metadata`);
  if (extraM) return extraM;
  if (typeof m.conversion_id !== 'string' || !m.conversion_id) return `${at}.metadata.conversion_id is required`;
  if ((m.value === undefined) !== (m.currency === undefined)) return `${at}.metadata.value and currency go together`;
  if (m.value !== undefined) {
    if (NO_VALUE.includes(type.tracking_type)) return `${at}.metadata.value is not accepted for ${type.tracking_type}`;
    if (typeof m.value !== 'number' || !Number.isFinite(m.value)) return `${at}.metadata.value must be a number`;
    const c = currencyIssue(`${at}.metadata.currency`, m.currency);
    if (c) return c;
  }
  const u = e.user;
  if (u !== undefined) {
    if (!isObject(u)) return `${at}.user must be an object`;
    const extraU = unknownKeys(u, USER, `${at}.user`);
    if (extraU) return extraU;
    for (const k of ['email', 'external_id', 'phone_number'])
      if (u[k] !== undefined) {
        const h = hashedOrClear(`${at}.user.${k}`, u[k]);
        if (h) return h;
      }
    if (u.ip_address !== undefined) {
      const ip = ipIssue(`${at}.user.ip_address`, u.ip_address);
      if (ip) return ip;
    }
    if (u.uuid !== undefined && (typeof u.uuid !== 'string' || !UUID.test(u.uuid)))
      return `${at}.user.uuid must be the _rdt_uuid cookie (<ms>.<uuid>)`;
  }
  if (e.click_id === undefined && !(isObject(u) && MATCH_KEYS.some((k) => u[k] !== undefined)))
    return `${at} needs a click_id or a user match key`;
  return null;
}

export async function startRedditFake(opts: RedditFakeOptions): Promise<RedditFake> {
  const now = opts.now ?? Date.now;
  const events: Record<string, unknown>[] = [];
  const testEvents: { testId: string; event: Record<string, unknown> }[] = [];
  const seen = new Map<string, number>();
  const levers = tokenAndPoison('conversionId');

  function handle(req: FakeRequest): FakeReply {
    const m = /^\/api\/v3\/pixels\/([^/]+)\/conversion_events$/.exec(req.path);
    if (!m) return error(404, `Not Found: ${req.path}`);
    if (req.method !== 'POST') return error(405, 'Method Not Allowed');
    const auth = /^Bearer (\S+)$/.exec(req.headers['authorization'] ?? '');
    if (!auth) return error(401, 'No bearer token provided');
    if (auth[1] !== opts.accessToken || !levers.tokenValid()) return error(401, 'UNAUTHORIZED');
    if (decodeURIComponent(m[1]!) !== opts.pixelId)
      return error(403, `You're not authorized to post conversions to Pixel ID ${decodeURIComponent(m[1]!)}.`);
    if (!req.headers['user-agent'] || GENERIC_UA.test(req.headers['user-agent']))
      return error(429, 'Your user agent was automatically ratelimited.');
    const body = req.json;
    if (!isObject(body) || !isObject(body.data))
      return error(400, 'JSON error: the body must be {"data": {"events": [...]}}');
    const data = body.data;
    const extra = Object.keys(data).find((k) => !['events', 'test_id', 'partner'].includes(k));
    if (extra) return error(400, `JSON error "unknown field" on field "${extra}"`);
    if (data.test_id !== undefined && (typeof data.test_id !== 'string' || !data.test_id))
      return error(400, 'test_id must be a string');
    if (!Array.isArray(data.events) || !data.events.length)
      return error(400, 'There were 0 conversion events. None were processed.');
    if (data.events.length > MAX_EVENTS) return error(400, 'Bad Request');
    const invalid = data.events.map((e, i) => eventIssue(e, i, now())).filter((x): x is string => x !== null);
    const poison = data.events.some(
      (e) => isObject(e) && isObject(e.metadata) && levers.isPoisoned(e.metadata.conversion_id),
    );
    if (invalid.length || poison)
      return error(
        400,
        `There were ${invalid.length || 1} invalid conversion events. None were processed. ${invalid[0] ?? 'poisoned by the fake'}`,
      );
    for (const e of data.events as Record<string, any>[]) {
      if (typeof data.test_id === 'string') {
        testEvents.push({ testId: data.test_id, event: e });
        continue;
      }
      // Reddit drops a duplicate conversion id of the same type within 2 days.
      const key = `${e.type.tracking_type}|${e.type.custom_event_name ?? ''}|${e.metadata.conversion_id}`;
      const last = seen.get(key);
      if (last !== undefined && now() - last < 2 * DAY_MS) continue;
      seen.set(key, now());
      events.push(e);
    }
    return {
      status: 200,
      body: { data: { message: `Successfully processed ${data.events.length} conversion events.` } },
    };
  }

  function errorFor(status: number, _f: Fault): FakeReply {
    if (status === 429) return error(429, 'Too many requests/events within timeframe.');
    if (status === 401) return error(401, 'UNAUTHORIZED');
    if (status >= 500)
      return error(status, 'The service is currently unavailable. No conversion events were processed.');
    return error(status, 'Injected failure');
  }

  const server = await startFakeServer({ handle, errorFor, snapshot: () => events, control: levers.control });
  return Object.assign(server, {
    events,
    testEvents,
    poison: levers.poison,
    revokeToken: levers.revokeToken,
  });
}
