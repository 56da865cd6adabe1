// OAuth 2 refresh-token flow: an access token cached until shortly before it expires, refreshed on
// demand (and forced after a 401); a rotated refresh token is handed back so the caller saves it.
// Token URLs may be overridden (`tokenEndpoint` replaces the origin); redirects are never followed.
import type { OAuthSpec } from '../destinations/definition';

export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface TokenGrant {
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
}

export interface RefreshResult extends CachedToken {
  /** Set when the platform rotated the refresh token: save it, the old one may be dead. */
  rotatedRefreshToken?: string;
}

export class OAuthError extends Error {
  /** invalid_grant / invalid_client: re-authorization needed; others may pass on retry. */
  readonly permanent: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: { permanent: boolean },
  ) {
    super(message);
    this.permanent = options.permanent;
  }
}

// Refresh this long before the platform's expiry, so a token never dies mid-request.
const EARLY_MS = 60_000;

/** The token URL with `tokenEndpoint` replacing the platform's origin. */
export function tokenUrl(spec: { tokenUrl: string }, tokenEndpoint?: string): string {
  if (!tokenEndpoint) return spec.tokenUrl;
  const u = new URL(spec.tokenUrl);
  return `${tokenEndpoint.replace(/\/+$/, '')}${u.pathname}`;
}

export async function refreshAccessToken(
  url: string,
  grant: TokenGrant,
  scope: string | undefined,
  now: number,
  fetchImpl: typeof fetch = fetch,
): Promise<RefreshResult> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: grant.clientId,
    refresh_token: grant.refreshToken,
  });
  if (grant.clientSecret) form.set('client_secret', grant.clientSecret);
  if (scope) form.set('scope', scope);
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      redirect: 'manual',
    });
  } catch (e) {
    throw new OAuthError('network', `token endpoint unreachable: ${(e as Error).message}`, { permanent: false });
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: handled below
  }
  if (res.status >= 300 && res.status < 400)
    throw new OAuthError('redirect', `token endpoint answered ${res.status}; redirects are not followed`, {
      permanent: true,
    });
  if (!res.ok) {
    const code = typeof body.error === 'string' ? body.error : `HTTP_${res.status}`;
    const permanent = [
      'invalid_grant',
      'invalid_client',
      'unauthorized_client',
      'invalid_scope',
      'unsupported_grant_type',
    ].includes(code);
    throw new OAuthError(
      code,
      `token refresh refused: ${code}${body.error_description ? ` (${body.error_description})` : ''}`,
      { permanent: permanent || (res.status < 500 && res.status !== 429) },
    );
  }
  if (typeof body.access_token !== 'string' || !body.access_token)
    throw new OAuthError('invalid_response', 'token endpoint answered without access_token', { permanent: false });
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
  const out: RefreshResult = {
    accessToken: body.access_token,
    expiresAt: now + Math.max(60, expiresIn || 3600) * 1000,
  };
  if (typeof body.refresh_token === 'string' && body.refresh_token && body.refresh_token !== grant.refreshToken)
    out.rotatedRefreshToken = body.refresh_token;
  return out;
}

/**
 * An access token for a destination: the cached one while fresh, else a refresh. `force` after a
 * 401. Returns what to cache and, when rotated, the refresh token to store.
 */
export async function accessTokenFor<S>(
  spec: OAuthSpec<S>,
  settings: S,
  opts: { cache?: CachedToken | null; force?: boolean; now: number; tokenEndpoint?: string; fetchImpl?: typeof fetch },
): Promise<{ token: string; cache: CachedToken | null; rotatedRefreshToken?: string }> {
  const grant = spec.grant(settings);
  if (!grant) {
    const token = spec.staticToken?.(settings);
    if (!token)
      throw new OAuthError('no_credentials', 'no access token and no refresh token configured', { permanent: true });
    return { token, cache: null };
  }
  if (!opts.force && opts.cache && opts.cache.expiresAt - EARLY_MS > opts.now)
    return { token: opts.cache.accessToken, cache: opts.cache };
  const r = await refreshAccessToken(tokenUrl(spec, opts.tokenEndpoint), grant, spec.scope, opts.now, opts.fetchImpl);
  return {
    token: r.accessToken,
    cache: { accessToken: r.accessToken, expiresAt: r.expiresAt },
    ...(r.rotatedRefreshToken ? { rotatedRefreshToken: r.rotatedRefreshToken } : {}),
  };
}
