// HubSpot HTTP: one call, its error mapped to a SourceError (401/403 credentials, 429 rate limited with
// Retry-After, 5xx transient, other 4xx config), and the OAuth token exchange.
import { secretEquals } from '../../security/constant-time';
import { SourceError, type FetchContext } from '../connector';

export const HUBSPOT_API = 'https://api.hubapi.com';

export function apiBase(settings: Record<string, unknown>): string {
  return String(settings.endpoint ?? HUBSPOT_API).replace(/\/+$/, '');
}

async function platformMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; category?: unknown };
    return String(body.message ?? body.category ?? text).slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}

/** Maps a HubSpot error response to the SourceError the framework acts on. */
export async function errorOf(res: Response, what: string, now: number): Promise<SourceError> {
  const msg = await platformMessage(res);
  if (res.status === 401 || res.status === 403)
    return new SourceError(
      `HubSpot refused the credentials (${what}, HTTP ${res.status})`,
      'credentials',
      undefined,
      msg,
    );
  if (res.status === 429) {
    const ra = res.headers.get('retry-after');
    const secs = ra && /^\d+(\.\d+)?$/.test(ra) ? Number(ra) * 1000 : ra ? Date.parse(ra) - now : NaN;
    return new SourceError(
      `HubSpot rate limit (${what})`,
      'rate_limited',
      Number.isFinite(secs) && secs > 0 ? Math.min(secs, 3_600_000) : 10_000,
      msg,
    );
  }
  if (res.status >= 500)
    return new SourceError(`HubSpot failed (${what}, HTTP ${res.status})`, 'transient', undefined, msg);
  return new SourceError(`HubSpot refused the request (${what}, HTTP ${res.status})`, 'config', undefined, msg);
}

export interface Token {
  value: string;
  expiresAt: number;
}

/**
 * The bearer token: a private app's token as is; with OAuth, the cached access token or a new one from
 * the refresh token (HubSpot may hand back a new refresh token: returned to be saved).
 */
export async function bearer(ctx: FetchContext): Promise<{ token: Token; calls: number; rotated?: string }> {
  const s = ctx.settings;
  if (typeof s.accessToken === 'string')
    return { token: { value: s.accessToken, expiresAt: Number.MAX_SAFE_INTEGER }, calls: 0 };
  if (ctx.accessToken && ctx.accessToken.expiresAt - 60_000 > ctx.now()) return { token: ctx.accessToken, calls: 0 };
  const url = `${String(s.tokenEndpoint ?? s.endpoint ?? HUBSPOT_API).replace(/\/+$/, '')}/oauth/v1/token`;
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: String(s.clientId),
    client_secret: String(s.clientSecret),
    refresh_token: String(s.refreshToken),
  });
  let res: Response;
  try {
    res = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  } catch (e) {
    throw new SourceError(
      `HubSpot token endpoint unreachable`,
      'transient',
      undefined,
      e instanceof Error ? e.message : undefined,
    );
  }
  if (res.status === 400 || res.status === 401) {
    // invalid_grant / BAD_REFRESH_TOKEN: the refresh token is revoked or wrong.
    const msg = await platformMessage(res);
    throw new SourceError('HubSpot refused the OAuth refresh token', 'credentials', undefined, msg);
  }
  if (!res.ok) throw await errorOf(res, 'token', ctx.now());
  const t = (await res.json()) as { access_token?: string; refresh_token?: string; expires_in?: number };
  if (!t.access_token) throw new SourceError('HubSpot token response had no access_token', 'transient');
  return {
    token: { value: t.access_token, expiresAt: ctx.now() + (t.expires_in ?? 1800) * 1000 },
    calls: 1,
    rotated:
      t.refresh_token && !(await secretEquals(t.refresh_token, String(s.refreshToken ?? '')))
        ? t.refresh_token
        : undefined,
  };
}

/** One authenticated JSON call. */
export async function call<T>(
  ctx: FetchContext,
  token: Token,
  method: string,
  path: string,
  what: string,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await ctx.fetch(`${apiBase(ctx.settings)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.value}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new SourceError(
      `HubSpot unreachable (${what})`,
      'transient',
      undefined,
      e instanceof Error ? e.message : undefined,
    );
  }
  if (!res.ok) throw await errorOf(res, what, ctx.now());
  return (await res.json()) as T;
}
