import type { Env } from '../env';
import { hmacHex } from '../identity';
import { recordFailure, SIGN_IN_POLICY, waitMs } from './sign-in-throttle';
import { sharedThrottleStore } from './sign-in-store';

/** The client's address as Cloudflare reports it; one bucket for all when it is missing. */
export function clientIp(req: Request): string {
  return req.headers.get('cf-connecting-ip') ?? 'unknown';
}

/** Sign-in throttling for one client IP (kept under an HMAC, never as the raw address). */
export async function signInThrottle(env: Env, ip: string) {
  const key = (await hmacHex(env.IDENTITY_SECRET!, `admin-sign-in-ip:v1|${ip}`)).slice(0, 32);
  const store = sharedThrottleStore();
  const ttl = SIGN_IN_POLICY.windowMs + SIGN_IN_POLICY.maxLockoutMs;
  return {
    async wait(now: number) {
      return waitMs(await store.get(key), now);
    },
    async fail(now: number) {
      await store.put(key, recordFailure(await store.get(key), now), ttl);
    },
  };
}
