import type { Env } from '../env';
import { RateLimiter } from './rate-limit';

// Defaults for the public endpoints; each can be changed with a variable of the same name (e.g. a
// benchmark replaying one IP sets RATE_LIMIT_IP_PER_MINUTE high). Per isolate, per minute.
const DEFAULTS = {
  /** Requests per client IP on /v1/collect and the Segment browser endpoints. */
  RATE_LIMIT_IP_PER_MINUTE: 600,
  /** Requests per key (publishable or secret) on the ingest endpoints. */
  RATE_LIMIT_KEY_PER_MINUTE: 60_000,
  /** People and visitors one IP may create. */
  CREATE_CAP_IP_PER_MINUTE: 120,
  /** Click IDs one IP may send. */
  TOUCH_CAP_IP_PER_MINUTE: 600,
} as const;

export type LimitName = keyof typeof DEFAULTS;

const limiters = new Map<string, RateLimiter>();

/** The isolate's limiter for a limit, rebuilt if its configured value changes. */
export function limiter(env: Env, name: LimitName): RateLimiter {
  const raw = Number((env as unknown as Record<string, string | undefined>)[name]);
  const limit = Number.isFinite(raw) && raw > 0 ? raw : DEFAULTS[name];
  let l = limiters.get(name);
  if (!l || l.limit !== limit) limiters.set(name, (l = new RateLimiter(limit, 60_000)));
  return l;
}
