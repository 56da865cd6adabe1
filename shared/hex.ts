// Bytes as lowercase hex, and random ids made of them: the one helper behind key digests, entry
// ids, job and destination ids, session tokens.

// Two hex digits per byte value: on the identify path, a lookup beats formatting 32 numbers.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex of the bytes (a digest, a signature, random bytes). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = '';
  for (let i = 0; i < view.length; i++) hex += HEX[view[i]!];
  return hex;
}

/** `byteCount` random bytes from the platform's CSPRNG, as 2 × byteCount hex digits. */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** A job's id (`job_` and 24 hex digits): people uploads, API ingest jobs and source syncs alike. */
export function jobId(): string {
  return `job_${randomHex(12)}`;
}
