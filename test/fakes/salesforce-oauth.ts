// The Salesforce fake's OAuth 2.0 endpoints, as Salesforce documents them for a connected app:
// /services/oauth2/authorize (the web-server flow's consent page: client_id known, redirect_uri
// equal to one of the app's callback URLs, else an error page and no redirect) and
// /services/oauth2/token with the authorization_code grant (a code is single use, expires after
// 15 minutes, and must come back with the same redirect_uri), refresh_token (rotation optional) and
// client_credentials.
import { randomBytes } from 'node:crypto';
import type { FakeReply, FakeRequest } from './server';

export interface SalesforceOAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
  rotate?: boolean;
  clientCredentials?: boolean;
  sessionSeconds?: number;
  /** The connected app's callback URLs (the web-server flow refuses any other redirect_uri). */
  callbackUrls?: string[];
}

const CODE_TTL_MS = 15 * 60_000;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const oauthError = (error: string, error_description: string, status = 400): FakeReply => ({
  status,
  body: { error, error_description },
});

export function createSalesforceOAuth(opts: SalesforceOAuthOptions, now: () => number, baseUrl: () => string) {
  const sessions = new Map<string, number>();
  const refreshTokens = new Set(opts.refreshToken ? [opts.refreshToken] : []);
  const callbackUrls = new Set(opts.callbackUrls ?? []);
  const codes = new Map<string, { redirectUri: string; expiresAt: number }>();
  let grants = 0;

  function session(): Record<string, unknown> {
    const access = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    sessions.set(access, now() + (opts.sessionSeconds ?? 7200) * 1000);
    grants++;
    const url = baseUrl();
    return {
      access_token: access,
      signature: randomBytes(32).toString('base64'),
      instance_url: url,
      id: `${url}/id/00D000000000001EAA/005000000000001AAA`,
      token_type: 'Bearer',
      issued_at: String(now()),
    };
  }

  function newRefreshToken(): string {
    const t = `5Aep861${randomBytes(30).toString('base64url')}`;
    refreshTokens.add(t);
    return t;
  }

  function errorPage(error: string, description: string): FakeReply {
    return {
      status: 400,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<!doctype html><title>Error</title><p id="error">error=${esc(error)}&amp;error_description=${esc(description)}</p>`,
    };
  }

  /** GET shows the consent page; POST (the user's answer) redirects to the callback with a code, or access_denied. */
  function authorize(req: FakeRequest): FakeReply {
    const p = req.method === 'POST' ? new URLSearchParams(req.text) : req.query;
    if (p.get('response_type') !== 'code') return errorPage('unsupported_response_type', 'response type not supported');
    if (p.get('client_id') !== opts.clientId) return errorPage('invalid_client_id', 'client identifier invalid');
    const redirect = p.get('redirect_uri') ?? '';
    if (!callbackUrls.has(redirect)) return errorPage('redirect_uri_mismatch', 'redirect_uri must match configuration');
    const state = p.get('state');
    const back = new URL(redirect);
    if (req.method === 'GET') {
      const hidden = ['response_type', 'client_id', 'redirect_uri', 'state', 'scope']
        .flatMap((k) => (p.get(k) === null ? [] : [`<input type="hidden" name="${k}" value="${esc(p.get(k)!)}">`]))
        .join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><title>Allow Access?</title><form method="post" action="/services/oauth2/authorize">${hidden}<p>Scopes: ${esc(p.get('scope') ?? '')}</p><button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>`,
      };
    }
    if (p.get('decision') !== 'allow') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'end-user denied authorization');
    } else {
      const code = `aPrx${randomBytes(24).toString('base64url')}`;
      codes.set(code, { redirectUri: redirect, expiresAt: now() + CODE_TTL_MS });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, headers: { location: back.toString() } };
  }

  function token(req: FakeRequest): FakeReply {
    if (req.method !== 'POST') return oauthError('invalid_request', 'must use HTTP POST', 405);
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return oauthError('invalid_request', 'invalid content type');
    const form = new URLSearchParams(req.text);
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'client_credentials' && grant !== 'authorization_code')
      return oauthError('unsupported_grant_type', 'grant type not supported');
    if (form.get('client_id') !== opts.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== opts.clientSecret)
      return oauthError('invalid_client', 'invalid client credentials');
    if (grant === 'client_credentials') {
      if (!opts.clientCredentials) return oauthError('invalid_grant', 'no client credentials user enabled');
      return { status: 200, body: { ...session(), scope: 'api' } };
    }
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      // Single use: a code is spent by its first exchange, whatever the outcome.
      codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt <= now()) return oauthError('invalid_grant', 'invalid authorization code');
      if (form.get('redirect_uri') !== code.redirectUri)
        return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
      return { status: 200, body: { ...session(), refresh_token: newRefreshToken(), scope: 'api refresh_token' } };
    }
    const refresh = form.get('refresh_token') ?? '';
    if (!refreshTokens.has(refresh)) return oauthError('invalid_grant', 'expired access/refresh token');
    const body: Record<string, unknown> = { ...session(), scope: 'api refresh_token' };
    if (opts.rotate) {
      refreshTokens.delete(refresh);
      body.refresh_token = newRefreshToken();
    }
    return { status: 200, body };
  }

  return {
    sessions,
    refreshTokens,
    callbackUrls,
    authorize,
    token,
    get grants() {
      return grants;
    },
  };
}
