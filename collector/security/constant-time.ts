const encoder = new TextEncoder();

/**
 * Compares two secrets in time independent of where they differ: both are hashed first, so the
 * comparison always runs over 32 bytes whatever the input lengths.
 */
export async function secretEquals(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return bytesEqual(new Uint8Array(a), new Uint8Array(b)) && given.length === expected.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
