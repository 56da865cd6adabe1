import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { readJsonBody } from '../middleware/body';
import { anyAllowedOrigins, resolvePublishableKey } from '../keys';
import { originAllowed } from '../security/origins';
import { clientIp, rateLimit, takeLimit } from '../middleware/rate-limit';
import { ingestIdentify } from '../ingest/identify';
import { ingestTouch } from '../ingest/touch';
import { requestFacts } from '../ingest/request-facts';
import { sameSite, setVisitorCookie, visitorCookie } from '../ingest/visitor-cookie';
import {
  collectBodySchema,
  collectEventSchema,
  MAX_COLLECT_BYTES,
  type CollectResponse,
  type RejectedEvent,
} from '../../shared/schemas/collect';
import { zodIssues } from '../validation';
import { noteTagEvent } from '../alerts/tag-silence';
import { signPersonToken } from '../security/person-token';
import { triggeredConversions } from '../conversions/browser-conversions';

export const collect = new Hono<AppContext>();

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '86400',
    vary: 'Origin',
  };
}

collect.options('/v1/collect', async (c) => {
  const origin = c.req.header('origin');
  if (!origin || !originAllowed(origin, await anyAllowedOrigins(c.env, c.get('now')))) return c.body(null, 403);
  return c.body(null, 204, corsHeaders(origin));
});

collect.post(
  '/v1/collect',
  rateLimit('RATE_LIMIT_IP_PER_MINUTE', (c) => `ip:${clientIp(c)}`),
  async (c) => {
    const origin = c.req.header('origin') ?? '';
    // CORS headers go on every answer to an allowed origin, errors included, so the tag can read them.
    if (originAllowed(origin, await anyAllowedOrigins(c.env, c.get('now'))))
      for (const [k, v] of Object.entries(corsHeaders(origin))) c.header(k, v);

    const raw = await readJsonBody(c, MAX_COLLECT_BYTES);
    const parsed = collectBodySchema.safeParse(raw);
    if (!parsed.success)
      throw new ApiError(400, 'invalid_request', 'body must be {key, events[1..50]}', zodIssues(parsed.error));
    const { key, events } = parsed.data;

    if (!c.env.IDENTITY_SECRET)
      throw new ApiError(503, 'not_configured', 'this deployment has no IDENTITY_SECRET configured');
    const origins = await resolvePublishableKey(c.env, key, c.get('now'));
    if (!origins) throw new ApiError(401, 'invalid_key', 'unknown publishable key');
    if (!originAllowed(origin, origins))
      throw new ApiError(
        403,
        'origin_not_allowed',
        `origin ${JSON.stringify(origin || null)} is not allowed for this key`,
      );
    await takeLimit(c, 'RATE_LIMIT_KEY_PER_MINUTE', `k:${key}`);

    const facts = requestFacts(c);
    const cookieId = visitorCookie(c);
    const rejected: RejectedEvent[] = [];
    let accepted = 0;
    let duplicates = 0;
    // The person of the batch's last identify: the answer carries their signed token.
    let tokenFor: string | undefined;
    // The same person, when that identify was new and consent allows ads: what it triggered is answered.
    let conversionsFor: string | undefined;
    let firstAnonymousId: string | undefined;
    // The `_cb_aid` cookie is browser storage: never set it under GPC or when every event denies ads consent.
    let consentAllowsCookie = false;
    let limited: ApiError | undefined;

    for (const [index, event] of events.entries()) {
      const result = collectEventSchema.safeParse(event);
      if (!result.success) {
        const messageId =
          typeof (event as { messageId?: unknown })?.messageId === 'string'
            ? (event as { messageId: string }).messageId.slice(0, 64)
            : undefined;
        rejected.push({
          index,
          messageId,
          code: 'invalid_event',
          message: 'event failed validation',
          issues: zodIssues(result.error),
        });
        continue;
      }
      const e = result.data;
      const common = {
        messageId: e.messageId,
        anonymousId: e.anonymousId,
        touches: e.touches,
        consent: e.context?.consent?.ads,
        userAgent: e.context?.userAgent,
        cookieAnonymousId: cookieId,
      };
      try {
        if (e.type === 'identify') {
          const r = await ingestIdentify(
            c.env,
            { ...common, email: e.email, traits: e.traits as Record<string, unknown>, signature: e.signature },
            facts,
          );
          tokenFor = r.personKey;
          conversionsFor = r.duplicate || facts.gpc || e.context?.consent?.ads === 'denied' ? undefined : r.personKey;
          if (r.duplicate) duplicates++;
        } else {
          const r = await ingestTouch(c.env, { ...common, token: e.token }, facts);
          if (r.duplicate) duplicates++;
        }
        accepted++;
        firstAnonymousId ??= e.anonymousId;
        if (e.context?.consent?.ads !== 'denied') consentAllowsCookie = true;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        if (err.status === 429) limited ??= err;
        rejected.push({ index, messageId: e.messageId, code: err.code, message: err.message });
      }
    }

    // Nothing stored because of a cap: a 429 with Retry-After tells the tag's outbox to come back later.
    if (accepted === 0 && limited) throw new ApiError(429, limited.code, limited.message, rejected, limited.headers);
    if (accepted === 0)
      throw new ApiError(400, rejected[0]?.code ?? 'invalid_event', 'no event in the batch was accepted', rejected);
    // For the "tag silent" alert: at most one ConfigObject write a minute per isolate, off the response path.
    const noted = noteTagEvent(c.env, c.get('now'));
    try {
      c.executionCtx.waitUntil(noted);
    } catch {
      // No execution context (app.request in tests): the note still runs, unawaited.
    }
    if (sameSite(c) && consentAllowsCookie && !facts.gpc && (cookieId ?? firstAnonymousId))
      setVisitorCookie(c, (cookieId ?? firstAnonymousId)!);
    const token = tokenFor ? await signPersonToken(c.env.IDENTITY_SECRET, tokenFor, c.get('now')) : undefined;
    const body: CollectResponse = token
      ? { accepted, duplicates, rejected, token }
      : { accepted, duplicates, rejected };
    if (conversionsFor) {
      try {
        const conversions = await triggeredConversions(c.env, conversionsFor, facts.now);
        if (conversions.length) body.conversions = conversions;
      } catch (err) {
        // The identify is stored: the page only misses the event ids (its pixel events then count apart).
        console.error(
          'collect: reading the conversions an identify triggered failed',
          err instanceof Error ? err.name : typeof err,
        );
      }
    }
    return c.json(body);
  },
);
