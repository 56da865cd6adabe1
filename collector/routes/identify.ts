import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { readJsonBody } from '../middleware/body';
import { requireSecretKey } from '../middleware/secret-key';
import { presentedKey, rateLimit } from '../middleware/rate-limit';
import { hmacHex } from '../identity';
import { ingestIdentify } from '../ingest/identify';
import { requestFacts, type RequestFacts } from '../ingest/request-facts';
import { requestCountry } from '../../shared/ip-regions';
import { parseIdsCookie } from '../../shared/ids-cookie';
import { MAX_IDENTIFY_BYTES, serverIdentifySchema, type ServerIdentifyResponse } from '../../shared/schemas/identify';
import { zodIssues } from '../validation';

export const serverIdentify = new Hono<AppContext>();

/**
 * A backend's identify (a signup handler): the browser it names by anonymous id is continued exactly
 * as the tag's own identify would (its visitor's click IDs and device merged into the person).
 */
serverIdentify.post(
  '/v1/identify',
  rateLimit('RATE_LIMIT_KEY_PER_MINUTE', presentedKey),
  requireSecretKey('ingest'),
  async (c) => {
    const parsed = serverIdentifySchema.safeParse(await readJsonBody(c, MAX_IDENTIFY_BYTES));
    if (!parsed.success)
      throw new ApiError(
        400,
        'invalid_request',
        'body must be {email, anonymousId?, cookie?, visitorCookie?, traits?, messageId?, context?: {ip?, userAgent?, country?, consent?}}',
        zodIssues(parsed.error),
      );
    const body = parsed.data;
    const secret = c.env.IDENTITY_SECRET!;
    const fromCookie = parseIdsCookie(body.cookie);
    if (body.cookie && !fromCookie.anonymousId && !body.anonymousId)
      throw new ApiError(400, 'invalid_request', 'cookie is not a _cb_ids value: it holds no anonymous id', [
        { path: 'cookie', message: 'expected <anonymousId>|<kind>*<value>*<time>…' },
      ]);
    const ctx = body.context ?? {};
    const request = requestFacts(c);
    // The request comes from the backend: only what the body says describes the visitor.
    const facts: RequestFacts = {
      ...request,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      country: ctx.ip ? requestCountry(ctx.country) : null,
    };
    // Denied ads consent: the browser is not named, so none of its click IDs is tied to the person.
    const denied = ctx.consent?.ads === 'denied' || request.gpc;
    const anonymousId = denied ? null : (body.anonymousId ?? fromCookie.anonymousId ?? body.visitorCookie ?? null);
    // The collector's cookie names the browser's earlier visitor when script storage was capped or cleared.
    const otherId = body.visitorCookie ?? fromCookie.anonymousId;
    const touches = denied ? [] : fromCookie.clickIds;
    const messageId =
      body.messageId ??
      `si_${(await hmacHex(secret, `si:${JSON.stringify([body.email.trim().toLowerCase(), body.anonymousId ?? null, body.cookie ?? null, body.visitorCookie ?? null, body.traits, ctx])}`)).slice(0, 40)}`;
    // A browser not named (no cookie, or denied) still leaves its address and user agent, as one device.
    const deviceId =
      !anonymousId && !denied && (facts.ip || facts.userAgent)
        ? `sd_${(await hmacHex(secret, `sd:${facts.ip ?? ''}|${facts.userAgent ?? ''}`)).slice(0, 40)}`
        : null;
    const r = await ingestIdentify(
      c.env,
      {
        email: body.email,
        messageId,
        anonymousId,
        cookieAnonymousId: denied ? null : otherId,
        deviceId,
        traits: body.traits as Record<string, unknown>,
        touches,
        consent: ctx.consent?.ads,
        // A secret key's traits are trusted, as a signed identify's are.
        trustedSource: 'signed_traits',
      },
      facts,
    );
    const answer: ServerIdentifyResponse = { duplicate: r.duplicate, linked: !!anonymousId, clickIds: touches.length };
    return c.json(answer);
  },
);
