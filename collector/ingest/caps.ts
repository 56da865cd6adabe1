import type { Env } from '../env';
import { ApiError } from '../http-error';
import { limiter } from '../security/limits';
import type { RequestFacts } from './request-facts';

// Caps on what one client IP may create or send through the public endpoints. Server-side senders
// (secret keys, webhooks) have no client IP here and are bounded by their key's rate limit instead.

/** Whether this IP may still create a person or a visitor in the current window. */
export function mayCreate(env: Env, facts: RequestFacts): boolean {
  return !facts.ip || limiter(env, 'CREATE_CAP_IP_PER_MINUTE').fits(`c:${facts.ip}`, facts.now);
}

export function countCreation(env: Env, facts: RequestFacts) {
  if (facts.ip) limiter(env, 'CREATE_CAP_IP_PER_MINUTE').take(`c:${facts.ip}`, facts.now);
}

export function creationRefused(): ApiError {
  return new ApiError(
    429,
    'creation_capped',
    'this address has created too many people or visitors recently; retry later',
    undefined,
    { 'retry-after': '60' },
  );
}

/** Spends the IP's click-ID budget, or refuses the event. */
export function spendTouches(env: Env, facts: RequestFacts, n: number) {
  if (!facts.ip || n === 0) return;
  const r = limiter(env, 'TOUCH_CAP_IP_PER_MINUTE').take(`t:${facts.ip}`, facts.now, n);
  if (!r.ok)
    throw new ApiError(
      429,
      'touches_capped',
      `this address has sent too many click IDs recently; retry in ${r.retryAfterS} s`,
      undefined,
      { 'retry-after': String(r.retryAfterS) },
    );
}
