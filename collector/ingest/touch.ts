import type { Env } from '../env';
import { verifyPersonToken } from '../security/person-token';
import { registerVisitor } from '../visitor-registry';
import type { Consent, Touch } from '../../shared/schemas/collect';
import type { RequestFacts } from './request-facts';
import { countCreation, creationRefused, mayCreate, spendTouches } from './caps';
import { personByKey, visitorById } from '../objects/doors';

/** Click IDs captured before (or without) an identify, from any source. */
export interface TouchCommand {
  messageId: string;
  anonymousId: string;
  touches: Touch[];
  token?: string;
  consent?: Consent['ads'];
  userAgent?: string;
  ip?: string;
  /** The `_cb_aid` cookie: the browser's longer-lived anonymous id, preferred for the visitor. */
  cookieAnonymousId?: string | null;
}

/**
 * With a valid person token the touches go straight to the person; otherwise to the browser's
 * VisitorObject, or on to the person it already points at.
 */
export async function ingestTouch(env: Env, cmd: TouchCommand, facts: RequestFacts): Promise<{ duplicate: boolean }> {
  if (facts.gpc || cmd.consent === 'denied') return { duplicate: false };
  spendTouches(env, facts, cmd.touches.length);
  const input = {
    messageId: cmd.messageId,
    anonymousId: cmd.anonymousId,
    touches: cmd.touches,
    ip: cmd.ip ?? facts.ip,
    userAgent: cmd.userAgent ?? facts.userAgent,
    country: cmd.ip === undefined || cmd.ip === facts.ip ? facts.country : null,
    now: facts.now,
  };
  const tokenKey = cmd.token ? await verifyPersonToken(env.IDENTITY_SECRET!, cmd.token, facts.now) : null;
  if (tokenKey) {
    const r = await personByKey(env, tokenKey).addTouches(input);
    if (r.exists) return { duplicate: r.duplicate };
  }
  const visitorId = cmd.cookieAnonymousId ?? cmd.anonymousId;
  const visitor = visitorById(env, visitorId);
  // Registered first: an identify that follows finds this visitor even if this request fails later.
  await registerVisitor(env, visitorId, facts.now);
  const first = await visitor.recordTouches({ ...input, mayCreate: mayCreate(env, facts) });
  if (first.linked === null) return visitorOutcome(env, facts, first);
  const r = await personByKey(env, first.linked).addTouches(input);
  if (r.exists) return { duplicate: r.duplicate };
  // The person was erased since: the visitor keeps its touches again.
  await visitor.unlink(first.linked);
  const again = await visitor.recordTouches(input);
  return again.linked === null ? visitorOutcome(env, facts, again) : { duplicate: false };
}

function visitorOutcome(
  env: Env,
  facts: RequestFacts,
  r: { refused: true } | { duplicate: boolean; created: boolean },
): { duplicate: boolean } {
  if ('refused' in r) throw creationRefused();
  if (r.created) countCreation(env, facts);
  return { duplicate: r.duplicate };
}
