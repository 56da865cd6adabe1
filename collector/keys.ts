import type { Env } from './env';
import { configObject } from './objects/config';
import { sha256Hex, type ApiKeyRecord, type KeyScope } from './objects/config-keys';
import { secretEquals } from './security/constant-time';
import { parseOrigins } from './security/origins';

// Keys live in the ConfigObject; the environment's SECRET_KEY (admin), PUBLISHABLE_KEY and
// ALLOWED_ORIGINS stay valid as bootstrap keys. The ConfigObject's list is cached per isolate for
// a few seconds, so a request never waits on it twice in a row.
const TTL_MS = 5_000;
let cache: { at: number; keys: Promise<ApiKeyRecord[]> } | null = null;

function configuredKeys(env: Env, now: number): Promise<ApiKeyRecord[]> {
  if (!cache || now - cache.at > TTL_MS) {
    const keys = configObject(env).listKeys() as Promise<ApiKeyRecord[]>;
    cache = { at: now, keys };
    // A failed read is not cached.
    keys.catch(() => {
      if (cache?.keys === keys) cache = null;
    });
  }
  return cache.keys;
}

/** Forgets the cached key list (after creating or revoking a key in this isolate). */
export function invalidateKeyCache() {
  cache = null;
}

export type SecretKeyGrant = { scope: KeyScope; id: string };

/** The scope of a secret key, or null when it is unknown or revoked. */
export async function resolveSecretKey(env: Env, given: string, now: number): Promise<SecretKeyGrant | null> {
  if (env.SECRET_KEY && (await secretEquals(given, env.SECRET_KEY))) return { scope: 'admin', id: 'env' };
  if (!given.startsWith('sk_')) return null;
  const [keys, hash] = await Promise.all([configuredKeys(env, now), sha256Hex(given)]);
  // Matching on the SHA-256 of the key: a timing difference reveals nothing about the key itself.
  const k = keys.find((r) => r.type === 'secret' && r.revokedAt === null && r.hash === hash);
  return k ? { scope: k.scope!, id: k.id } : null;
}

/** The allowed origins of a publishable key, or null when it is unknown or revoked. */
export async function resolvePublishableKey(env: Env, given: string, now: number): Promise<string[] | null> {
  if (env.PUBLISHABLE_KEY && (await secretEquals(given, env.PUBLISHABLE_KEY))) return parseOrigins(env.ALLOWED_ORIGINS);
  if (!given.startsWith('pk_')) return null;
  const [keys, hash] = await Promise.all([configuredKeys(env, now), sha256Hex(given)]);
  const k = keys.find((r) => r.type === 'publishable' && r.revokedAt === null && r.hash === hash);
  return k ? k.origins : null;
}

/** Every origin any publishable key allows (for answering CORS preflights, which carry no key). */
export async function anyAllowedOrigins(env: Env, now: number): Promise<string[]> {
  const keys = await configuredKeys(env, now);
  return [...parseOrigins(env.ALLOWED_ORIGINS), ...keys.filter((k) => k.type === 'publishable' && k.revokedAt === null).flatMap((k) => k.origins)];
}

/** True when the deployment can authenticate anyone at all; otherwise the API refuses to serve. */
export function apiConfigured(env: Env): boolean {
  return !!env.IDENTITY_SECRET && !!env.SECRET_KEY;
}
