import type { Env } from '../env';
import { hmacHex } from '../identity';
import { resolveSecretKey } from '../keys';
import type { ApiKeyRecord } from '../objects/config-keys';
import { secretEquals } from '../security/constant-time';
import { configObject } from '../objects/doors';

// Which secret keys may sign in to the admin: the keys /api accepts with the admin scope (the
// environment's SECRET_KEY, and admin keys minted in the ConfigObject). A session names its key,
// so revoking that key, or changing SECRET_KEY, ends the sessions opened with it.

/** True when the deployment has what the admin needs to run at all. */
export function adminConfigured(env: Env): boolean {
  return Boolean(env.SECRET_KEY && env.IDENTITY_SECRET);
}

// The environment key has no id of its own: it is named by an HMAC of its value.
async function envTag(env: Env): Promise<string> {
  return `env-${(await hmacHex(env.IDENTITY_SECRET!, `admin-key:v1|${env.SECRET_KEY!}`)).slice(0, 24)}`;
}

/** The tag naming the admin key `given` (checked as /api checks it), or null. */
export async function adminKeyTag(env: Env, given: string, now: number = Date.now()): Promise<string | null> {
  if (!adminConfigured(env) || given.length === 0 || given.length > 256) return null;
  const grant = await resolveSecretKey(env, given, now);
  if (!grant || grant.scope !== 'admin') return null;
  return grant.id === 'env' ? envTag(env) : grant.id;
}

/** Whether the key a session was opened with is still an active admin key. */
export async function adminKeyStillValid(env: Env, keyTag: string): Promise<boolean> {
  if (!adminConfigured(env)) return false;
  if (keyTag.startsWith('env-')) return secretEquals(keyTag, await envTag(env));
  const keys = (await configObject(env).listKeys()) as ApiKeyRecord[];
  return keys.some((k) => k.id === keyTag && k.type === 'secret' && k.scope === 'admin' && k.revokedAt === null);
}
