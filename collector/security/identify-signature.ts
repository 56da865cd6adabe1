import { hmacHex, identityOf } from '../identity';
import { bytesEqual } from './constant-time';
import { hexBytes } from './person-token';

/**
 * A signed identify (ARCHITECTURE.md §6): hex HMAC-SHA256 of the normalized email under the site's
 * identify secret, computed by the site's backend. Compared in constant time.
 */
export async function identifySignatureValid(secret: string, email: string, signature: string): Promise<boolean> {
  const expected = await hmacHex(secret, identityOf(email));
  return bytesEqual(hexBytes(expected), hexBytes(signature.toLowerCase()));
}
