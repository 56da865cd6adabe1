// Credentials at rest: AES-256-GCM under ENCRYPTION_KEY (base64 of 32 random bytes), a fresh 96-bit
// IV per value, and the owner's id as associated data so a ciphertext cannot be moved to another
// destination. Format: "v1.<iv base64url>.<ciphertext+tag base64url>".

const PREFIX = 'v1';

function fromBase64(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class CredentialKeyError extends Error {}

/** Imports ENCRYPTION_KEY; throws when it is missing or not 32 bytes of base64. */
export async function importCredentialKey(base64: string | undefined): Promise<CryptoKey> {
  if (!base64) throw new CredentialKeyError('ENCRYPTION_KEY is not set');
  let raw: Uint8Array;
  try {
    raw = fromBase64(base64.trim());
  } catch {
    throw new CredentialKeyError('ENCRYPTION_KEY is not base64');
  }
  if (raw.length !== 32) throw new CredentialKeyError(`ENCRYPTION_KEY must be 32 bytes (base64), got ${raw.length}`);
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function encryptCredentials(key: CryptoKey, value: unknown, ownerId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(ownerId) },
    key,
    data,
  );
  return `${PREFIX}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

export async function decryptCredentials<T = unknown>(key: CryptoKey, sealed: string, ownerId: string): Promise<T> {
  const [v, iv, ct] = sealed.split('.');
  if (v !== PREFIX || !iv || !ct) throw new CredentialKeyError('not a sealed credential');
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(iv), additionalData: new TextEncoder().encode(ownerId) },
      key,
      fromBase64(ct),
    );
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  } catch {
    throw new CredentialKeyError('credentials cannot be decrypted (wrong ENCRYPTION_KEY or tampered data)');
  }
}
