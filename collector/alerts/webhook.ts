import { hmacHex } from '../identity';
import type { AlertConfig } from './config';

export type AlertKind = 'dead_letter' | 'credentials_refused' | 'tag_silent' | 'test';

/** What an alert says. Never an email, token or credential: ids, counts, codes and times only. */
export interface Alert {
  kind: AlertKind;
  message: string;
  destinationId?: string;
  destinationType?: string;
  /** A People API job whose rows were dead-lettered (collector/ingest/dead-letters.ts). */
  jobId?: string;
  /** A CRM source whose credentials were refused (collector/sources/). */
  sourceId?: string;
  sourceType?: string;
  count?: number;
  errorCode?: string;
  lastEventAt?: number | null;
  at: number;
}

/** Replaced by tests that run inside workerd (they cannot listen on a port); production uses fetch. */
export const alertTransport: { fetch: typeof fetch; timeoutMs: number } = {
  fetch: (i, init) => fetch(i, init),
  timeoutMs: 5_000,
};

/**
 * POSTs the alert as JSON, signed: `X-Alert-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`
 * and `X-Alert-Timestamp` (ms), so a receiver can refuse forgeries and replays. No redirects followed.
 */
export async function sendAlert(cfg: AlertConfig, alert: Alert): Promise<{ ok: boolean; status: number | null }> {
  const body = JSON.stringify({ type: `open-conversions.${alert.kind}`, ...alert });
  const ts = String(alert.at);
  const signature = await hmacHex(cfg.secret, `${ts}.${body}`);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), alertTransport.timeoutMs);
  try {
    const res = await alertTransport.fetch(cfg.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-alert-timestamp': ts,
        'x-alert-signature': `sha256=${signature}`,
      },
      body,
      redirect: 'manual',
      signal: ctl.signal,
    });
    await res.body?.cancel();
    return { ok: res.status >= 200 && res.status < 300, status: res.status };
  } catch {
    return { ok: false, status: null };
  } finally {
    clearTimeout(timer);
  }
}
