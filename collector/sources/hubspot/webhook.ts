// HubSpot webhooks, signature v3: base64 HMAC-SHA256 under the app's client secret of
// method + URI + body + timestamp, in X-HubSpot-Signature-v3, refused when X-HubSpot-Request-Timestamp
// is more than 5 minutes away from now (a replay), compared in constant time.
import { bytesEqual } from '../../security/constant-time';

export const MAX_SKEW_MS = 5 * 60_000;

function fromBase64(s: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function hubspotSignatureValid(
  secret: string,
  req: { method: string; uri: string; body: string; timestamp: string | undefined; signature: string | undefined },
  now: number,
): Promise<boolean> {
  if (!req.signature || !req.timestamp || !/^\d{10,16}$/.test(req.timestamp)) return false;
  if (Math.abs(now - Number(req.timestamp)) > MAX_SKEW_MS) return false;
  const given = fromBase64(req.signature);
  if (!given) return false;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign(
      'HMAC',
      key,
      new TextEncoder().encode(`${req.method}${req.uri}${req.body}${req.timestamp}`),
    ),
  );
  return bytesEqual(mac, given);
}

/** The contact ids a webhook delivery names (property changes, creations, merges, restores). */
export function contactIds(events: unknown): string[] {
  if (!Array.isArray(events)) return [];
  const ids = new Set<string>();
  for (const e of events.slice(0, 1000)) {
    const ev = e as { subscriptionType?: unknown; objectId?: unknown };
    if (
      typeof ev?.subscriptionType === 'string' &&
      ev.subscriptionType.startsWith('contact.') &&
      ev.subscriptionType !== 'contact.deletion' &&
      (typeof ev.objectId === 'number' || typeof ev.objectId === 'string') &&
      /^\d{1,20}$/.test(String(ev.objectId))
    )
      ids.add(String(ev.objectId));
  }
  return [...ids];
}
