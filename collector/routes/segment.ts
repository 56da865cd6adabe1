import { Hono, type Context } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { parseJsonBytes, readJsonBody, readRawBody } from '../middleware/body';
import { anyAllowedOrigins, resolvePublishableKey, resolveSecretKey } from '../keys';
import { originAllowed } from '../security/origins';
import { segmentSignatureValid } from '../security/hmac-sha1';
import { clientIp, takeLimit } from '../middleware/rate-limit';
import { ingestSegmentEvent, type SegmentSender } from '../ingest/segment-event';
import { requestFacts, type RequestFacts } from '../ingest/request-facts';
import {
  SEGMENT_MAX_BATCH_BYTES,
  SEGMENT_MAX_EVENT_BYTES,
  SEGMENT_TYPES,
  SEGMENT_WEBHOOK_MAX_BYTES,
  SHORT_PATHS,
  type SegmentType,
} from '../../shared/schemas/segment';
import type { RejectedEvent } from '../../shared/schemas/collect';
import { configObject } from '../objects/doors';

// Segment compatibility: the HTTP Tracking API and analytics.js's short paths under /segment/v1,
// and the Webhooks destination at /segment/webhook (the recommended path: it keeps the customer's
// Segment pipeline as it is).
export const segment = new Hono<AppContext>();

function cors(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, x-retry-count',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '86400',
    vary: 'Origin',
  };
}

// analytics-node resolves its `path` against `host` as a URL, so `host: {collector}/segment` posts
// to {collector}/v1/batch: the same API also answers at /v1/{type} for the Segment types.
const ROOT = '/v1/:type{(?:identify|track|page|screen|group|alias|batch|i|t|p|s|g|a|b)}';

segment.options('/segment/v1/*', preflight);
segment.options(ROOT, preflight);

async function preflight(c: Context<AppContext>) {
  const origin = c.req.header('origin');
  if (!origin || !originAllowed(origin, await anyAllowedOrigins(c.env, c.get('now')))) return c.body(null, 403);
  return c.body(null, 204, cors(origin));
}

// analytics.js's sampled SDK metrics: accepted and dropped.
segment.post('/segment/v1/m', (c) => c.body(null, 204));

function writeKeyOf(c: Context<AppContext>, body: unknown): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(c.req.header('authorization') ?? '');
  if (m) {
    try {
      const decoded = atob(m[1]!);
      return decoded.slice(0, decoded.includes(':') ? decoded.indexOf(':') : undefined) || null;
    } catch {
      return null;
    }
  }
  const inBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof inBody === 'string' ? inBody : null;
}

/**
 * A secret key (ingest scope) is a server-side sender, whose identify traits are trusted (source
 * `segment`); a publishable key only counts from an allowed Origin, and its traits stay `traits`.
 */
async function authenticate(c: Context<AppContext>, body: unknown): Promise<SegmentSender> {
  if (!c.env.IDENTITY_SECRET)
    throw new ApiError(503, 'not_configured', 'this deployment has no IDENTITY_SECRET configured');
  const key = writeKeyOf(c, body);
  if (!key)
    throw new ApiError(401, 'unauthorized', 'send the write key as Basic auth (username, empty password)', undefined, {
      'www-authenticate': 'Basic realm="segment"',
    });
  const now = c.get('now');
  if (await resolveSecretKey(c.env, key, now)) {
    await takeLimit(c, 'RATE_LIMIT_KEY_PER_MINUTE', `k:${key}`);
    return 'secret_key';
  }
  const origins = await resolvePublishableKey(c.env, key, now);
  if (!origins)
    throw new ApiError(401, 'unauthorized', 'unknown write key', undefined, {
      'www-authenticate': 'Basic realm="segment"',
    });
  const origin = c.req.header('origin');
  if (!originAllowed(origin, origins))
    throw new ApiError(
      403,
      'origin_not_allowed',
      'a publishable write key is accepted only from an allowed Origin; server-side senders use a secret key',
    );
  await takeLimit(c, 'RATE_LIMIT_IP_PER_MINUTE', `ip:${clientIp(c)}`);
  await takeLimit(c, 'RATE_LIMIT_KEY_PER_MINUTE', `k:${key}`);
  return 'publishable_key';
}

async function ingestAll(c: Context<AppContext>, events: unknown[], facts: RequestFacts, sender: SegmentSender) {
  const rejected: RejectedEvent[] = [];
  let accepted = 0;
  let duplicates = 0;
  let ignored = 0;
  let limited: ApiError | undefined;
  for (const [index, event] of events.entries()) {
    try {
      const outcome = await ingestSegmentEvent(c.env, event, facts, sender);
      accepted++;
      if (outcome === 'duplicate') duplicates++;
      if (outcome === 'ignored') ignored++;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      if (err.status === 429) limited ??= err;
      const messageId = (event as { messageId?: unknown })?.messageId;
      rejected.push({
        index,
        ...(typeof messageId === 'string' ? { messageId: messageId.slice(0, 200) } : {}),
        code: err.code,
        message: err.message,
        ...(err.issues ? { issues: err.issues } : {}),
      });
    }
  }
  if (!accepted && limited) throw new ApiError(429, limited.code, limited.message, rejected, limited.headers);
  if (!accepted) throw new ApiError(400, rejected[0]?.code ?? 'invalid_event', 'no event was accepted', rejected);
  return { success: true, accepted, duplicates, ignored, rejected };
}

function withDefaults(event: unknown, type: SegmentType | null, shared: { context?: unknown }): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const e = event as Record<string, unknown>;
  const context =
    shared.context && typeof shared.context === 'object'
      ? { ...(shared.context as object), ...((e.context as object) ?? {}) }
      : e.context;
  return { ...e, ...(type && e.type === undefined ? { type } : {}), ...(context ? { context } : {}) };
}

segment.post('/segment/v1/:type', trackingApi);
segment.post(ROOT, trackingApi);

async function trackingApi(c: Context<AppContext>) {
  const param = c.req.param('type') ?? '';
  const type =
    SHORT_PATHS[param] ??
    ((SEGMENT_TYPES as readonly string[]).includes(param) || param === 'batch'
      ? (param as SegmentType | 'batch')
      : null);
  if (!type) throw new ApiError(404, 'not_found', `no Segment endpoint ${param}`);
  const origin = c.req.header('origin');
  if (origin && originAllowed(origin, await anyAllowedOrigins(c.env, c.get('now'))))
    for (const [k, v] of Object.entries(cors(origin))) c.header(k, v);

  const body = await readJsonBody(c, type === 'batch' ? SEGMENT_MAX_BATCH_BYTES : SEGMENT_MAX_EVENT_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'invalid_request', 'body must be a JSON object');
  const sender = await authenticate(c, body);
  const facts = requestFacts(c);
  if (type !== 'batch') {
    if ((body as { type?: unknown }).type !== undefined && (body as { type?: unknown }).type !== type)
      throw new ApiError(400, 'invalid_request', `this endpoint takes ${type} messages`);
    return c.json(await ingestAll(c, [withDefaults(body, type, {})], facts, sender));
  }
  const b = body as { batch?: unknown; context?: unknown };
  if (!Array.isArray(b.batch) || b.batch.length === 0)
    throw new ApiError(400, 'invalid_request', 'body must be {batch: [...]}');
  for (const [index, event] of b.batch.entries()) {
    if (JSON.stringify(event).length > SEGMENT_MAX_EVENT_BYTES)
      throw new ApiError(400, 'event_too_large', `batch[${index}] is over ${SEGMENT_MAX_EVENT_BYTES} bytes`);
  }
  return c.json(
    await ingestAll(
      c,
      b.batch.map((e) => withDefaults(e, null, { context: b.context })),
      facts,
      sender,
    ),
  );
}

/** The Segment Webhooks destination (classic or Actions): one event, an array, or {batch}. */
segment.post('/segment/webhook', async (c) => {
  const secret =
    c.env.SEGMENT_WEBHOOK_SECRET || ((await configObject(c.env).setting('segment_webhook_secret')) as string | null);
  if (!secret || !c.env.IDENTITY_SECRET)
    throw new ApiError(
      503,
      'not_configured',
      'set SEGMENT_WEBHOOK_SECRET (the shared secret of the Webhooks destination)',
    );
  const bytes = await readRawBody(c, SEGMENT_WEBHOOK_MAX_BYTES);
  const signature = c.req.header('x-signature') ?? '';
  if (!(await segmentSignatureValid(secret, bytes, signature)))
    throw new ApiError(
      401,
      'invalid_signature',
      'X-Signature is not the HMAC-SHA1 of the body under the shared secret',
    );
  const body = parseJsonBytes(bytes);
  const events = Array.isArray(body)
    ? body
    : Array.isArray((body as { batch?: unknown })?.batch)
      ? (body as { batch: unknown[] }).batch
      : [body];
  if (!events.length) throw new ApiError(400, 'invalid_request', 'no event in the body');
  // Segment's servers send this: their address and user agent are not the visitor's. Its identify
  // traits stay untrusted (`traits`): the webhook relays everything the site's Segment source
  // received, and browsers write to that source with its public write key.
  return c.json(await ingestAll(c, events, { ...requestFacts(c), gpc: false }, 'webhook'));
});
