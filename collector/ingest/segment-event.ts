import type { Env } from '../env';
import { ApiError } from '../http-error';
import { hmacHex, personKey } from '../identity';
import { camelizeSegment, segmentEventSchema, type SegmentEvent } from '../../shared/schemas/segment';
import { emailSchema, idSchema, type Touch } from '../../shared/schemas/collect';
import { CLICK_KINDS, clickIdsFromSearch, isValidClickId } from '../../shared/click-ids';
import { parseTimestamp } from '../../shared/time';
import { zodIssues } from '../validation';
import { ingestIdentify } from './identify';
import { ingestTouch } from './touch';
import type { RequestFacts } from './request-facts';
import { personByKey } from '../objects/doors';

export type SegmentOutcome = 'stored' | 'duplicate' | 'ignored';

/** Click IDs in a Segment event's context: page URL, search, referrer and campaign. */
export function segmentTouches(e: SegmentEvent, now: number): Touch[] {
  const page = e.context?.page;
  const found = new Map<string, Touch>();
  // Parsed on the first click ID found (most events carry none), once for all.
  let firstSeen: number | undefined;
  const add = (kind: string, value: string) => {
    if (!found.has(kind) && isValidClickId(kind, value))
      found.set(kind, {
        kind,
        value,
        firstSeen: (firstSeen ??= Math.min(parseTimestamp(e.timestamp) ?? now, now)),
        ...(page?.url ? { landingUrl: page.url.slice(0, 2048) } : {}),
        ...(page?.referrer ? { referrer: page.referrer.slice(0, 2048) } : {}),
      });
  };
  for (const source of [page?.url, page?.search, page?.referrer])
    if (source) for (const { kind, value } of clickIdsFromSearch(source)) add(kind, value);
  const campaign = e.context?.campaign ?? {};
  for (const kind of CLICK_KINDS) if (typeof campaign[kind] === 'string') add(kind, campaign[kind] as string);
  return [...found.values()];
}

function emailOf(e: SegmentEvent): string | null {
  for (const candidate of [e.traits?.email, e.context?.traits?.email, e.userId]) {
    if (typeof candidate === 'string' && emailSchema.safeParse(candidate).success) return candidate.trim();
  }
  return null;
}

// Segment's ids are free-form; ours are bounded. Anything else is named by its hash.
async function boundedId(env: Env, prefix: string, value: string): Promise<string> {
  return idSchema.safeParse(value).success ? value : hashedId(env, prefix, value);
}

async function hashedId(env: Env, prefix: string, value: string): Promise<string> {
  return `${prefix}_${(await hmacHex(env.IDENTITY_SECRET!, `${prefix}:${value}`)).slice(0, 40)}`;
}

// A message id that already fits our id format is used as it is, under its own prefix (analytics.js
// and analytics-node send UUID-like ids): no hash on the hot path.
const PLAIN_MESSAGE_ID = /^[A-Za-z0-9_-]{8,60}$/;

function messageIdOf(env: Env, messageId: string | undefined): Promise<string> | string {
  if (messageId === undefined) return `seg_${crypto.randomUUID()}`;
  return PLAIN_MESSAGE_ID.test(messageId) ? `seg-${messageId}` : hashedId(env, 'seg', messageId);
}

/**
 * Who sent a Segment message, which decides two things:
 * - the request's IP and user agent are the visitor's only for `publishable_key` (analytics.js in the
 *   browser); server-side senders and Segment's webhook servers are not the visitor, so only `context` counts;
 * - identify traits are trusted (source `segment`) only for `secret_key` (the HTTP API with a secret
 *   write key: analytics-node and other server-side senders). A publishable key is usable from any
 *   browser, and the webhook relays whatever reached the site's Segment source, which browsers write
 *   to with the site's public Segment write key: both keep the untrusted source `traits`.
 */
export type SegmentSender = 'secret_key' | 'publishable_key' | 'webhook';

/** One Segment message. */
export async function ingestSegmentEvent(
  env: Env,
  raw: unknown,
  facts: RequestFacts,
  sender: SegmentSender,
): Promise<SegmentOutcome> {
  const trustRequest = sender === 'publishable_key';
  const parsed = segmentEventSchema.safeParse(camelizeSegment(raw));
  if (!parsed.success) throw new ApiError(400, 'invalid_event', 'not a Segment message', zodIssues(parsed.error));
  const e = parsed.data;
  const ip = e.context?.ip ?? (trustRequest ? facts.ip : null);
  // The request's country is the sender's: it describes the IP only when that IP is the request's own.
  const eventFacts: RequestFacts = {
    ...facts,
    ip,
    country: trustRequest && ip === facts.ip ? facts.country : null,
    userAgent: e.context?.userAgent ?? (trustRequest ? facts.userAgent : null),
  };
  const messageId = await messageIdOf(env, e.messageId);
  const anonymousId = e.anonymousId ? await boundedId(env, 'sa', e.anonymousId) : null;
  const touches = segmentTouches(e, facts.now);
  const email = emailOf(e);

  if (e.type === 'identify' && email) {
    const traits = { ...(e.traits ?? {}) };
    // A backend (analytics-node) sends no anonymousId but the visitor's context.ip / userAgent: kept as
    // a device of its own (one per address and browser), so Meta still receives them.
    const deviceId =
      !anonymousId && (eventFacts.ip || eventFacts.userAgent)
        ? await hashedId(env, 'sd', `${eventFacts.ip ?? ''}|${eventFacts.userAgent ?? ''}`)
        : null;
    const r = await ingestIdentify(
      env,
      {
        email,
        messageId,
        anonymousId,
        deviceId,
        traits,
        touches,
        ...(sender === 'secret_key' ? { trustedSource: 'segment' as const } : {}),
      },
      eventFacts,
    );
    return r.duplicate ? 'duplicate' : 'stored';
  }
  if ((e.type === 'page' || e.type === 'track' || e.type === 'screen' || e.type === 'identify') && touches.length) {
    // A known person (the event names their email, as Segment's calls after an identify do) gets the
    // touches directly; an anonymous browser's go to its visitor, merged on identify.
    if (email) {
      const key = await personKey(env, email);
      const r = await personByKey(env, key).addTouches({
        messageId,
        anonymousId,
        touches,
        ip: eventFacts.ip,
        userAgent: eventFacts.userAgent,
        country: eventFacts.country,
        now: facts.now,
      });
      if (r.exists) return r.duplicate ? 'duplicate' : 'stored';
    }
    if (anonymousId) {
      const r = await ingestTouch(env, { messageId, anonymousId, touches }, eventFacts);
      return r.duplicate ? 'duplicate' : 'stored';
    }
  }
  return 'ignored';
}
