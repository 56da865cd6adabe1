import { hmacHex } from '../identity';
import { bytesEqual } from './constant-time';

// The person token the tag keeps instead of the email: `pt1.<person key>.<issued, base36>.<mac>`, the
// mac an HMAC-SHA256 under IDENTITY_SECRET. It names the person's object, nothing more.
const PREFIX = 'pt1';
const MAX_AGE_MS = 400 * 86_400_000;
const SKEW_MS = 5 * 60_000;

export async function signPersonToken(secret: string, personKey: string, now: number): Promise<string> {
  const body = `${PREFIX}.${personKey}.${now.toString(36)}`;
  return `${body}.${await hmacHex(secret, `token:${body}`)}`;
}

/** The person key a token names, or null when it is malformed, forged or expired. */
export async function verifyPersonToken(secret: string, token: string, now: number): Promise<string | null> {
  const m = /^pt1\.([0-9a-f]{64})\.([0-9a-z]{1,11})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return null;
  const expected = await hmacHex(secret, `token:${PREFIX}.${m[1]}.${m[2]}`);
  if (!bytesEqual(hexBytes(expected), hexBytes(m[3]!))) return null;
  const issued = parseInt(m[2]!, 36);
  if (issued > now + SKEW_MS || now - issued > MAX_AGE_MS) return null;
  return m[1]!;
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
