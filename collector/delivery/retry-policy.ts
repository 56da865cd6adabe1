// When to try a failed send again, or stop. Pure: the clock and the randomness are parameters.
// 429 / 5xx / timeouts back off exponentially with full jitter and never sooner than Retry-After;
// a 401 refreshes the token once; Google's too-recent click waits >= 6 h; its daily quota waits for
// the next UTC day; nothing is scheduled past the platform's age limit; after `maxAttempts` a row is
// dead-lettered (kept, visible, retryable from the API).
import type { Failure } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface RetryPolicyOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Margin kept before the platform's age limit: a send must start at least this long before it. */
  ageMarginMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 6 * HOUR_MS,
  ageMarginMs: 10 * 60_000,
};

export interface RetryInput {
  failure: Failure;
  /** Attempts made so far, this one included (>= 1). */
  attempts: number;
  now: number;
  /** Epoch ms after which the platform refuses the event (event time + age limit), or null. */
  deadline: number | null;
  /** Whether this send already followed a token refresh. */
  refreshed: boolean;
  /** A number in [0, 1): Math.random in production, fixed in tests. */
  random: number;
}

export type RetryDecision =
  | { action: 'retry'; at: number }
  | { action: 'refresh_token' }
  | { action: 'split' }
  | { action: 'fail'; reason: string }
  | { action: 'dead_letter'; reason: string };

/** Next 00:00 UTC after `now`. */
export function nextUtcDay(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}

/** Exponential backoff with full jitter in [d/2, d), d = base * 2^(attempts-1), capped. */
export function backoffMs(attempts: number, random: number, opts: RetryPolicyOptions = DEFAULT_RETRY_POLICY): number {
  const d = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(d / 2 + (d / 2) * random);
}

export function retryPolicy(input: RetryInput, opts: RetryPolicyOptions = DEFAULT_RETRY_POLICY): RetryDecision {
  const { failure, attempts, now, deadline, random } = input;
  const why = `${failure.error.code}: ${failure.error.message}`;
  let at: number;
  switch (failure.class) {
    case 'permanent':
      return { action: 'fail', reason: why };
    case 'batch_rejected':
      // Not this row's fault (or not yet known): split / resend without the bad rows, no attempt spent.
      return { action: 'split' };
    case 'unauthorized':
      if (!input.refreshed) return { action: 'refresh_token' };
      return { action: 'fail', reason: `${why} (still refused after refreshing the access token)` };
    case 'too_recent':
      // Google: retry no sooner than 6 h later; a little jitter spreads a burst.
      at = now + 6 * HOUR_MS + Math.floor(random * 10 * 60_000);
      break;
    case 'daily_quota':
      at = nextUtcDay(now) + Math.floor(random * 15 * 60_000);
      break;
    case 'transient':
    case 'rate_limited':
    case 'timeout':
      at = now + Math.max(backoffMs(attempts, random, opts), failure.retryAfterMs ?? 0);
      break;
  }
  if (deadline !== null && at > deadline - opts.ageMarginMs)
    return { action: 'fail', reason: `${why}; a retry would come after the platform's age limit` };
  if (attempts >= opts.maxAttempts)
    return { action: 'dead_letter', reason: `${why}; gave up after ${attempts} attempts` };
  return { action: 'retry', at };
}
