import type { Env } from './env';
import { ApiError } from './http-error';

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
// Two hex digits per byte value: on the identify path, a lookup beats formatting 32 numbers.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(message)));
  let hex = '';
  for (let i = 0; i < sig.length; i++) hex += HEX[sig[i]!];
  return hex;
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
  if (!env.IDENTITY_SECRET) throw new ApiError(503, 'not_configured', 'IDENTITY_SECRET is not set');
  return hmacHex(env.IDENTITY_SECRET, `person:${identityOf(email)}`);
}

export async function personByEmail(env: Env, email: string) {
  return personByKey(env, await personKey(env, email));
}

export function personByKey(env: Env, key: string) {
  return env.PERSON.get(env.PERSON.idFromName(key));
}

/** A browser's VisitorObject. Anonymous ids are random, so they name the object directly. */
export function visitorById(env: Env, anonymousId: string) {
  return env.VISITOR.get(env.VISITOR.idFromName(`visitor:${anonymousId}`));
}
