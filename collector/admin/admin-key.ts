import type { Env } from '../env';
import { hmacHex } from '../identity';
import { secretEquals } from '../security/constant-time';

// Which secret keys may sign in to the admin. Today the one admin key is env SECRET_KEY; when keys
// with scopes live in the ConfigObject, this file is the one place that asks it.

/** True when the deployment has what the admin needs to run at all. */
export function adminConfigured(env: Env): boolean {
  return Boolean(env.SECRET_KEY && env.IDENTITY_SECRET);
}

function tagOf(env: Env, secret: string): Promise<string> {
  return hmacHex(env.IDENTITY_SECRET!, `admin-key:v1|${secret}`).then((h) => h.slice(0, 24));
}

/** The tag of the admin key `given` matches (compared in constant time), or null. */
export async function adminKeyTag(env: Env, given: string): Promise<string | null> {
  if (!adminConfigured(env) || given.length === 0 || given.length > 256) return null;
  if (!(await secretEquals(given, env.SECRET_KEY!))) return null;
  return tagOf(env, env.SECRET_KEY!);
}

/** Whether the key a session was opened with still has the admin scope. */
export async function adminKeyStillValid(env: Env, keyTag: string): Promise<boolean> {
  if (!adminConfigured(env)) return false;
  return secretEquals(keyTag, await tagOf(env, env.SECRET_KEY!));
}
