import type { Env } from './env';
import { ApiError } from './http-error';
import { personByKey } from './objects/doors';
import { toHex } from '../shared/hex';

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(message)));
}

/** The person identity: the email trimmed and lowercased, nothing more (ARCHITECTURE.md §3). */
export function identityOf(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A person's object name: HMAC-SHA-256 of the identity under the deployment's secret, so it can't be
 * reversed with a dictionary and never equals a hash sent to an ad platform.
 */
export function personKey(env: Env, email: string): Promise<string> {
  const secret = env.IDENTITY_SECRET;
  if (!secret) throw new ApiError(503, 'not_configured', 'IDENTITY_SECRET is not set');
  const identity = identityOf(email);
  // Identifies repeat the same few emails; the key of a recent one is kept (per isolate, per secret).
  let cache = recentKeys.get(secret);
  if (!cache) recentKeys.set(secret, (cache = new Map()));
  const known = cache.get(identity);
  if (known) return known;
  const key = hmacHex(secret, `person:${identity}`);
  if (cache.size >= RECENT_KEYS) cache.delete(cache.keys().next().value!);
  cache.set(identity, key);
  key.catch(() => cache.delete(identity));
  return key;
}

const RECENT_KEYS = 2_000;
const recentKeys = new Map<string, Map<string, Promise<string>>>();

export async function personByEmail(env: Env, email: string) {
  return personByKey(env, await personKey(env, email));
}
