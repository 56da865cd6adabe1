import type { Context, MiddlewareHandler } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { limiter, type LimitName } from '../security/limits';

export function clientIp(c: Context<AppContext>): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

/** 429 with Retry-After once `keyOf` has spent its budget of `name` in the current window. */
export function rateLimit(name: LimitName, keyOf: (c: Context<AppContext>) => string | null): MiddlewareHandler<AppContext> {
  return async function rateLimitMiddleware(c, next) {
    const key = keyOf(c);
    if (key !== null) {
      const r = limiter(c.env, name).take(key, c.get('now'));
      if (!r.ok) throw new ApiError(429, 'rate_limited', `too many requests; retry in ${r.retryAfterS} s`, undefined, { 'retry-after': String(r.retryAfterS) });
    }
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
