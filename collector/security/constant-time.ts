const encoder = new TextEncoder();

/**
 * Compares two secrets in time independent of where they differ: both are hashed first, so the
 * comparison always runs over 32 bytes whatever the input lengths.
 */
export async function secretEquals(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(given)), digestOf(expected)]);
  return bytesEqual(new Uint8Array(a), b) && given.length === expected.length;
}

// The configured secrets are few and fixed: their digests are computed once per isolate.
const digests = new Map<string, Promise<Uint8Array>>();
function digestOf(secret: string): Promise<Uint8Array> {
  let d = digests.get(secret);
  if (!d) {
    if (digests.size > 32) digests.clear();
    d = crypto.subtle.digest('SHA-256', encoder.encode(secret)).then((x) => new Uint8Array(x));
    digests.set(secret, d);
  }
  return d;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
