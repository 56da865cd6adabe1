import type { Env } from './env';
import { sha256Hex, type ApiKeyRecord, type KeyScope } from './objects/config-keys';
import { secretEquals } from './security/constant-time';
import { parseOrigins } from './security/origins';
import { configObject } from './objects/doors';

// Keys live in the ConfigObject; the environment's SECRET_KEY (admin), PUBLISHABLE_KEY and
// ALLOWED_ORIGINS stay valid as bootstrap keys. The environment's publishable key also accepts the
// origins added on the admin's Install page (stored in the ConfigObject). Keys and those origins are
// cached per isolate for a few seconds, so a request never waits on them twice in a row.
const TTL_MS = 5_000;
type Access = { keys: ApiKeyRecord[]; origins: string[] };
let cache: { at: number; access: Promise<Access> } | null = null;

function access(env: Env, now: number): Promise<Access> {
  if (!cache || now - cache.at > TTL_MS) {
    const read = configObject(env).accessConfig() as Promise<Access>;
    cache = { at: now, access: read };
    // A failed read is not cached.
    read.catch(() => {
      if (cache?.access === read) cache = null;
    });
  }
  return cache.access;
}

async function configuredKeys(env: Env, now: number): Promise<ApiKeyRecord[]> {
  return (await access(env, now)).keys;
}

/** The environment's publishable key's origins: ALLOWED_ORIGINS plus those added in the admin. */
async function envKeyOrigins(env: Env, now: number): Promise<string[]> {
  return [...parseOrigins(env.ALLOWED_ORIGINS), ...(await access(env, now)).origins];
}

/** Forgets the cached keys and origins (after changing them in this isolate). */
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
  if (env.PUBLISHABLE_KEY && (await secretEquals(given, env.PUBLISHABLE_KEY))) return envKeyOrigins(env, now);
  if (!given.startsWith('pk_')) return null;
  const [keys, hash] = await Promise.all([configuredKeys(env, now), sha256Hex(given)]);
  const k = keys.find((r) => r.type === 'publishable' && r.revokedAt === null && r.hash === hash);
  return k ? k.origins : null;
}

/** Every origin any publishable key allows (for answering CORS preflights, which carry no key). */
export async function anyAllowedOrigins(env: Env, now: number): Promise<string[]> {
  const keys = await configuredKeys(env, now);
  return [
    ...(await envKeyOrigins(env, now)),
    ...keys.filter((k) => k.type === 'publishable' && k.revokedAt === null).flatMap((k) => k.origins),
  ];
}

/** True when the deployment can authenticate anyone at all; otherwise the API refuses to serve. */
export function apiConfigured(env: Env): boolean {
  return !!env.IDENTITY_SECRET && !!env.SECRET_KEY;
}
