import type { Context, MiddlewareHandler } from 'hono';
import type { AppContext, Env } from '../env';
import { ApiError } from '../http-error';
import { limiter, type LimitName } from '../security/limits';
import { logError } from '../log-error';

export function clientIp(c: Context<AppContext>): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

// The Workers Rate Limiting binding of each request limit (wrangler.toml [[ratelimits]], period 60 s).
const SHARED: Partial<Record<LimitName, (env: Env) => RateLimit | undefined>> = {
  RATE_LIMIT_IP_PER_MINUTE: (env) => env.RL_IP,
  RATE_LIMIT_KEY_PER_MINUTE: (env) => env.RL_KEY,
};
const SHARED_PERIOD_S = 60;

/**
 * Counts one request of `key` against `name`: first the isolate's own counter (no round trip),
 * then the binding shared by every isolate of the location, so a flood spread over isolates is
 * stopped too. The binding does not say when its window ends: Retry-After is its period.
 * Requests without a client IP (local tools, tests) are not counted in the shared IP limit.
 */
export async function takeLimit(c: Context<AppContext>, name: LimitName, key: string): Promise<void> {
  const local = limiter(c.env, name).take(key, c.get('now'));
  if (!local.ok) throw tooMany(local.retryAfterS);
  const shared = SHARED[name]?.(c.env);
  if (!shared || key === 'ip:unknown') return;
  let success = true;
  try {
    ({ success } = await shared.limit({ key }));
  } catch (e) {
    // The limiter being unavailable must not take ingestion down; the isolate's counter still holds.
    logError('rate limit binding failed', e);
  }
  if (!success) throw tooMany(SHARED_PERIOD_S);
}

function tooMany(retryAfterS: number) {
  return new ApiError(429, 'rate_limited', `too many requests; retry in ${retryAfterS} s`, undefined, {
    'retry-after': String(retryAfterS),
  });
}

/** 429 with Retry-After once `keyOf` has spent its budget of `name` in the current window. */
export function rateLimit(
  name: LimitName,
  keyOf: (c: Context<AppContext>) => string | null,
): MiddlewareHandler<AppContext> {
  return async function rateLimitMiddleware(c, next) {
    const key = keyOf(c);
    if (key !== null) await takeLimit(c, name, key);
    await next();
  };
}

/** The key a request presents (Bearer, Basic user name), hashed into the limiter's key space. */
export function presentedKey(c: Context<AppContext>): string | null {
  const auth = c.req.header('authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return `k:${bearer[1]!.slice(0, 200)}`;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (basic) {
    try {
      return `k:${atob(basic[1]!).split(':')[0]!.slice(0, 200)}`;
    } catch {
      return null;
    }
  }
  return null;
}
