import type { Context } from 'hono';
import { ApiError } from '../http-error';

/**
 * Reads a JSON body sent as application/json or text/plain (the tag's no-preflight form), refusing
 * anything over `limit` bytes before parsing it. Always drains the body, so keep-alive survives.
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const type = (c.req.header('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') {
    await c.req.raw.body?.cancel();
    throw new ApiError(415, 'unsupported_media_type', 'send JSON as application/json or text/plain');
  }
  return parseJsonBytes(await readRawBody(c, limit));
}

/** The raw body bytes (for signatures over the exact bytes), refusing anything over `limit`. */
export async function readRawBody(c: Context, limit: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) {
    await c.req.raw.body?.cancel();
    throw new ApiError(413, 'payload_too_large', `body is over ${limit} bytes`);
  }
  return readLimited(c.req.raw, limit);
}

// One decoder serves every request: decode() without `stream` keeps no state between calls.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
  }
}

async function readLimited(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  // A declared length (already checked against the limit) bounds the body: the runtime reads
  // exactly that many bytes, so it is read in one go rather than chunk by chunk.
  if (Number(req.headers.get('content-length')) > 0) return new Uint8Array(await req.arrayBuffer());
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ApiError(413, 'payload_too_large', `body is over ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
