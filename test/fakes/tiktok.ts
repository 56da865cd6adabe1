// TikTok Events API 2.0 fake: POST /open_api/v1.3/event/track/ with the pixel's Access-Token and the
// rules of ad-platforms.md §4.2: event_source + event_source_id (the pixel code for web), <= 1,000
// events, event_time in Unix seconds within 28 days, SHA-256 lowercase hex for email / phone /
// external_id, a user identifier per event, value with its currency. Like TikTok it answers HTTP 200
// with `code` (0 = OK); a refused payload refuses the whole request. Code numbers are modeled on
// TikTok Business API codes (40002 parameter error, 40100 throttled, 40104/40105 token), not copied.
import { randomBytes } from 'node:crypto';
import { currencyIssue, DAY_MS, hashIssue, HOUR_MS, ipIssue, isObject, unknownKeys } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';
import { tokenAndPoison } from './switches';

export const TIKTOK_PATH = '/open_api/v1.3/event/track/';
export const MAX_EVENTS = 1000;
const SOURCES = ['web', 'app', 'offline', 'crm'];
const BODY = ['event_source', 'event_source_id', 'data', 'test_event_code', 'partner_name'];
const EVENT = [
  'event',
  'event_time',
  'event_id',
  'user',
  'properties',
  'page',
  'limited_data_use',
  'lead',
  'app',
  'ad',
];
const USER = [
  'email',
  'phone',
  'external_id',
  'ttclid',
  'ttp',
  'ip',
  'user_agent',
  'locale',
  'idfa',
  'idfv',
  'gaid',
  'first_name',
  'last_name',
  'city',
  'state',
  'country',
  'zip_code',
];
const IDENTIFIERS = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'idfa', 'gaid'];

export interface TikTokFakeOptions {
  pixelCode: string;
  accessToken: string;
  now?: () => number;
}

export interface TikTokFake extends FakeServer {
  /** Events TikTok keeps (test events excluded), deduplicated by event + event_id within 48 hours. */
  events: Record<string, unknown>[];
  testEvents: { testEventCode: string; event: Record<string, unknown> }[];
  /** The next request holding this event_id is refused whole (40002). */
  poison(eventId: string): void;
  revokeToken(): void;
}

const answer = (code: number, message: string, status = 200): FakeReply => ({
  status,
  body: { code, message, request_id: randomBytes(10).toString('hex'), data: {} },
});

function eventIssue(e: unknown, i: number, nowMs: number): string | null {
  const at = `data[${i}]`;
  if (!isObject(e)) return `${at} must be an object`;
  const extra = unknownKeys(e, EVENT, at);
  if (extra) return extra;
  if (typeof e.event !== 'string' || !e.event || e.event.length > 50) return `${at}.event: event name is required`;
  if (!Number.isInteger(e.event_time) || (e.event_time as number) > 1e11)
    return `${at}.event_time must be Unix seconds`;
  const t = (e.event_time as number) * 1000;
  if (nowMs - t > 28 * DAY_MS) return `${at}.event_time is more than 28 days in the past`;
  if (t - nowMs > HOUR_MS) return `${at}.event_time is in the future`;
  if (e.event_id !== undefined && (typeof e.event_id !== 'string' || !e.event_id))
    return `${at}.event_id must be a non-empty string`;
  const u = e.user;
  if (!isObject(u)) return `${at}.user is required`;
  const extraU = unknownKeys(u, USER, `${at}.user`);
  if (extraU) return extraU;
  for (const k of ['email', 'phone', 'external_id'])
    if (u[k] !== undefined) {
      const h = hashIssue(`${at}.user.${k}`, u[k]);
      if (h) return h;
    }
  if (u.ip !== undefined) {
    const ip = ipIssue(`${at}.user.ip`, u.ip);
    if (ip) return ip;
  }
  for (const k of ['ttclid', 'ttp', 'user_agent'])
    if (u[k] !== undefined && (typeof u[k] !== 'string' || !u[k])) return `${at}.user.${k} must be a non-empty string`;
  if (!IDENTIFIERS.some((k) => u[k] !== undefined) && !(u.ip && u.user_agent))
    return `${at}.user: at least one user identifier is required`;
  if (e.properties !== undefined) {
    if (!isObject(e.properties)) return `${at}.properties must be an object`;
    const p = e.properties;
    if (p.value !== undefined && (typeof p.value !== 'number' || !Number.isFinite(p.value)))
      return `${at}.properties.value must be a number`;
    if (p.value !== undefined || p.currency !== undefined) {
      const c = currencyIssue(`${at}.properties.currency`, p.currency);
      if (c) return c;
    }
  }
  if (
    e.page !== undefined &&
    (!isObject(e.page) ||
      (e.page.url !== undefined && (typeof e.page.url !== 'string' || !/^https?:\/\//.test(e.page.url))))
  )
    return `${at}.page.url must be an http(s) URL`;
  return null;
}

export async function startTikTokFake(opts: TikTokFakeOptions): Promise<TikTokFake> {
  const now = opts.now ?? Date.now;
  const events: Record<string, unknown>[] = [];
  const testEvents: { testEventCode: string; event: Record<string, unknown> }[] = [];
  const seen = new Map<string, number>();
  const levers = tokenAndPoison('eventId');

  function handle(req: FakeRequest): FakeReply {
    if (req.path !== TIKTOK_PATH) return answer(40400, `Not found: ${req.path}`, 404);
    if (req.method !== 'POST') return answer(40002, 'POST only', 405);
    const token = req.headers['access-token'];
    if (!token) return answer(40104, 'Access token is null, please provide an access token.');
    if (token !== opts.accessToken || !levers.tokenValid())
      return answer(40105, 'Access token is incorrect or has been revoked.');
    const body = req.json;
    if (!isObject(body)) return answer(40002, 'The request body must be a JSON object');
    const extra = unknownKeys(body, BODY, 'body');
    if (extra) return answer(40002, extra);
    if (typeof body.event_source !== 'string' || !SOURCES.includes(body.event_source))
      return answer(40002, `event_source must be one of ${SOURCES.join(', ')}`);
    if (typeof body.event_source_id !== 'string' || !body.event_source_id)
      return answer(40002, 'event_source_id is required');
    if (body.event_source === 'web' && body.event_source_id !== opts.pixelCode)
      return answer(40001, `No permission to operate pixel ${body.event_source_id}`);
    if (body.test_event_code !== undefined && (typeof body.test_event_code !== 'string' || !body.test_event_code))
      return answer(40002, 'test_event_code must be a string');
    if (!Array.isArray(body.data) || !body.data.length) return answer(40002, 'data must be a non-empty array');
    if (body.data.length > MAX_EVENTS)
      return answer(40002, `data holds ${body.data.length} events; at most ${MAX_EVENTS} per request`);
    for (let i = 0; i < body.data.length; i++) {
      const issue = eventIssue(body.data[i], i, now());
      if (issue) return answer(40002, issue);
      const id = (body.data[i] as Record<string, unknown>).event_id;
      if (levers.isPoisoned(id)) return answer(40002, `data[${i}] was rejected`);
    }
    for (const e of body.data as Record<string, unknown>[]) {
      if (typeof body.test_event_code === 'string') {
        testEvents.push({ testEventCode: body.test_event_code, event: e });
        continue;
      }
      // The pixel's dedupe: the same event name and event_id within 48 hours count once.
      if (typeof e.event_id === 'string') {
        const key = `${e.event}|${e.event_id}`;
        const last = seen.get(key);
        if (last !== undefined && now() - last < 48 * HOUR_MS) continue;
        seen.set(key, now());
      }
      events.push(e);
    }
    return answer(0, 'OK');
  }

  function errorFor(status: number, fault: Fault): FakeReply {
    if (fault.kind === 'rate_limit') return answer(40100, 'Requests made too frequently, please try again later.');
    if (status === 429) return answer(40100, 'Requests made too frequently, please try again later.', 429);
    if (status === 401) return answer(40105, 'Access token is incorrect or has been revoked.');
    if (status >= 500) return answer(50000, 'System error, please try again later.', status);
    return answer(40002, 'Injected failure', status);
  }

  const server = await startFakeServer({ handle, errorFor, snapshot: () => events, control: levers.control });
  return Object.assign(server, {
    events,
    testEvents,
    poison: levers.poison,
    revokeToken: levers.revokeToken,
  });
}
