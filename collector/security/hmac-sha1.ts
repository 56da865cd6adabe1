import { bytesEqual } from './constant-time';
import { hexBytes } from './person-token';

/** Segment's X-Signature: hex HMAC-SHA1 of the raw body under the shared secret, checked in constant time. */
export async function segmentSignatureValid(secret: string, body: Uint8Array, signature: string): Promise<boolean> {
  if (!/^[0-9a-fA-F]{40}$/.test(signature)) return false;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, body));
  return bytesEqual(mac, hexBytes(signature.toLowerCase()));
}
