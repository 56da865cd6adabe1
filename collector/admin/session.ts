import type { Env } from '../env';
import { hmacHex } from '../identity';
import { secretEquals } from '../security/constant-time';
import { randomHex } from '../../shared/hex';

/** How long a sign-in lasts: a working day, after which the key is asked for again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export interface AdminSession {
  /** Random per sign-in; the CSRF token is derived from it. */
  nonce: string;
  /** Names the key that signed in, so revoking or rotating that key ends its sessions. */
  keyTag: string;
  expiresAt: number;
}

// Every HMAC made here carries its own prefix, so no admin value can ever equal a person name,
// a person token or another admin value made under the same IDENTITY_SECRET.
const SESSION_PREFIX = 'admin-session:v1|';
const CSRF_PREFIX = 'admin-csrf:v1|';

function secretOf(env: Env): string {
  if (!env.IDENTITY_SECRET) throw new Error('IDENTITY_SECRET is not set');
  return env.IDENTITY_SECRET;
}

/** A signed session value: `v1.<expiry>.<nonce>.<keyTag>.<signature>`; nothing secret inside. */
export async function issueSession(
  env: Env,
  keyTag: string,
  now: number,
): Promise<{ value: string; session: AdminSession }> {
  const session = { nonce: randomHex(16), keyTag, expiresAt: now + SESSION_TTL_MS };
  const payload = `${session.expiresAt.toString(36)}.${session.nonce}.${keyTag}`;
  const sig = await hmacHex(secretOf(env), SESSION_PREFIX + payload);
  return { value: `v1.${payload}.${sig}`, session };
}

/** The session a cookie value carries, or null when it is malformed, forged or expired. */
export async function readSession(env: Env, value: string | undefined, now: number): Promise<AdminSession | null> {
  if (!value || value.length > 300) return null;
  const m = /^v1\.([0-9a-z]{1,12})\.([0-9a-f]{32})\.([0-9a-zA-Z_-]{1,64})\.([0-9a-f]{64})$/.exec(value);
  if (!m) return null;
  const [, exp, nonce, keyTag, sig] = m;
  const expected = await hmacHex(secretOf(env), `${SESSION_PREFIX}${exp}.${nonce}.${keyTag}`);
  if (!(await secretEquals(sig, expected))) return null;
  const expiresAt = parseInt(exp, 36);
  if (!(expiresAt > now)) return null;
  return { nonce, keyTag, expiresAt };
}

/** The session's CSRF token: every form carries it, every state change checks it. */
export function csrfToken(env: Env, session: AdminSession): Promise<string> {
  return hmacHex(secretOf(env), CSRF_PREFIX + session.nonce);
}

export async function csrfValid(env: Env, session: AdminSession, given: unknown): Promise<boolean> {
  if (typeof given !== 'string' || given.length === 0 || given.length > 128) return false;
  return secretEquals(given, await csrfToken(env, session));
}
