import type { Env } from '../env';
import { ApiError } from '../http-error';
import { identityOf, personKey } from '../identity';
import { identifySignatureValid } from '../security/identify-signature';
import type { Consent, Touch } from '../../shared/schemas/collect';
import type { TraitsSource } from '../objects/person-types';
import type { RequestFacts } from './request-facts';
import { countCreation, creationRefused, mayCreate, spendTouches } from './caps';
import { personByKey } from '../objects/doors';

/** An identify from any source (the tag, Segment), already validated. */
export interface IdentifyCommand {
  email: string;
  messageId: string;
  anonymousId: string | null;
  traits: Record<string, unknown>;
  touches: Touch[];
  signature?: string;
  consent?: Consent['ads'];
  userAgent?: string;
  ip?: string;
  /**
   * Set by a sender authenticated with a secret key (the Segment HTTP API): its traits are stored
   * under this trusted source rather than `traits`. A valid signature still wins (`signed_traits`);
   * a server-side identify (POST /v1/identify) stores its traits as a signed identify does.
   */
  trustedSource?: 'segment' | 'signed_traits';
  /** A device id for a sender with no anonymous id (a backend's Segment identify with context.ip / userAgent). */
  deviceId?: string | null;
  /** Another anonymous id of the same browser (the `_cb_aid` cookie). */
  cookieAnonymousId?: string | null;
}

/** `personKey` names the person's object; the tag's route signs it into the person token (Segment needs none). */
export type IdentifyResult = { duplicate: boolean; personKey: string };

/** Stores an identify in the person's object. */
export async function ingestIdentify(env: Env, cmd: IdentifyCommand, facts: RequestFacts): Promise<IdentifyResult> {
  let traitsSource: TraitsSource = cmd.trustedSource ?? 'traits';
  if (cmd.signature !== undefined) {
    if (!env.IDENTIFY_SIGNING_SECRET)
      throw new ApiError(
        400,
        'invalid_signature',
        'this deployment has no identify signing secret, so signed identifies cannot be checked',
      );
    if (!(await identifySignatureValid(env.IDENTIFY_SIGNING_SECRET, cmd.email, cmd.signature)))
      throw new ApiError(400, 'invalid_signature', 'signature does not match the email');
    traitsSource = 'signed_traits';
  }
  const denied = facts.gpc || cmd.consent === 'denied';
  if (!denied) spendTouches(env, facts, cmd.touches.length);
  const key = await personKey(env, cmd.email);
  const others = cmd.cookieAnonymousId && cmd.cookieAnonymousId !== cmd.anonymousId ? [cmd.cookieAnonymousId] : [];
  const outcome = await personByKey(env, key).identify({
    key,
    email: identityOf(cmd.email),
    messageId: cmd.messageId,
    anonymousId: cmd.anonymousId,
    otherAnonymousIds: others,
    traits: cmd.traits,
    traitsSource,
    trusted: traitsSource === 'signed_traits', // for an object still on the previous version (a deploy in progress)
    touches: denied ? [] : cmd.touches,
    consent: facts.gpc ? 'denied' : (cmd.consent ?? null),
    ip: cmd.ip ?? facts.ip,
    userAgent: cmd.userAgent ?? facts.userAgent,
    // The request's country describes the request's own IP only.
    country: cmd.ip === undefined || cmd.ip === facts.ip ? facts.country : null,
    ...(cmd.deviceId && !cmd.anonymousId ? { deviceId: cmd.deviceId } : {}),
    now: facts.now,
    mayCreate: mayCreate(env, facts),
  });
  if (outcome.status === 'refused') throw creationRefused();
  if (outcome.created) countCreation(env, facts);
  if (outcome.status === 'suppressed')
    throw new ApiError(409, 'suppressed', 'this person was erased; an operator must lift the suppression first');
  return { duplicate: outcome.status === 'duplicate', personKey: key };
}
