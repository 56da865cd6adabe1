// Sign-in attempts per client IP: a handful of failures within a window, then a lockout that
// doubles with each further failure (capped). Successful sign-ins don't count.

export interface ThrottleState {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  maxLockoutMs: number;
}

export const SIGN_IN_POLICY: ThrottlePolicy = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockoutMs: 60_000,
  maxLockoutMs: 60 * 60_000,
};

/** Milliseconds the client must still wait before trying again (0 = may try now). */
export function waitMs(state: ThrottleState | null, now: number): number {
  return state && state.lockedUntil > now ? state.lockedUntil - now : 0;
}

export function recordFailure(
  state: ThrottleState | null,
  now: number,
  policy: ThrottlePolicy = SIGN_IN_POLICY,
): ThrottleState {
  const fresh = !state || now - state.windowStart > Math.max(policy.windowMs, state.lockedUntil - state.windowStart);
  const failures = fresh ? 1 : state.failures + 1;
  const windowStart = fresh ? now : state.windowStart;
  const over = failures - policy.maxFailures;
  const lockedUntil = over >= 0 ? now + Math.min(policy.lockoutMs * 2 ** over, policy.maxLockoutMs) : 0;
  return { failures, windowStart, lockedUntil };
}

/** Where throttle states live between requests. */
export interface ThrottleStore {
  get(key: string): Promise<ThrottleState | null>;
  put(key: string, state: ThrottleState, ttlMs: number): Promise<void>;
}
