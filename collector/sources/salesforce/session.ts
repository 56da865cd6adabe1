// One page's conversation with Salesforce: the access token (refresh_token or client-credentials
// grant), every REST call counted, one token refresh after a 401 INVALID_SESSION_ID, the
// platform's errors mapped to SourceError, and the last Sforce-Limit-Info seen.
import { secretEquals } from '../../security/constant-time';
import { SourceError, type FetchContext } from '../connector';
import type { SalesforceSettings } from './settings';

// Salesforce's token answer carries no lifetime (the org's session timeout decides, 15 min at the
// least); the token is reused this long and refreshed earlier if a call answers 401.
const TOKEN_REUSE_MS = 15 * 60_000;
const LIMIT_RETRY_MS = 15 * 60_000; // REQUEST_LIMIT_EXCEEDED: the 24-hour allowance rolls, no Retry-After
const CREDENTIAL_ERRORS = [
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'unauthorized_client',
  'unsupported_grant_type',
  'inactive_user',
  'inactive_org',
];

/** A REST error Salesforce answered with (`[{errorCode, message}]`), for the caller to act on. */
export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiUsage {
  used: number;
  max: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export class Session {
  calls = 0;
  token: { value: string; expiresAt: number } | undefined;
  /** Set when this page obtained a new access token (the framework caches it). */
  newToken: { value: string; expiresAt: number } | undefined;
  /** Rotated credentials to persist. */
  tokens: Record<string, string> | undefined;
  usage: ApiUsage | undefined;
  private refreshToken: string | undefined;

  constructor(
    readonly settings: SalesforceSettings,
    private readonly ctx: FetchContext,
  ) {
    this.token = ctx.accessToken;
    this.refreshToken = settings.refreshToken;
  }

  get base(): string {
    return `${this.settings.endpoint ?? this.settings.instanceUrl}/services/data/v${this.settings.apiVersion}`;
  }

  /** `/services/data/vXX.X/...` paths (nextRecordsUrl) and relative ones both work. */
  url(path: string): string {
    if (path.startsWith('/services/')) return `${this.settings.endpoint ?? this.settings.instanceUrl}${path}`;
    return `${this.base}${path}`;
  }

  private async authorize(): Promise<string> {
    if (this.token && this.token.expiresAt - 60_000 > this.ctx.now()) return this.token.value;
    const s = this.settings;
    const form = new URLSearchParams(
      s.flow === 'refresh_token' && this.refreshToken
        ? {
            grant_type: 'refresh_token',
            client_id: s.clientId,
            client_secret: s.clientSecret,
            refresh_token: this.refreshToken,
          }
        : { grant_type: 'client_credentials', client_id: s.clientId, client_secret: s.clientSecret },
    );
    const url = `${s.tokenEndpoint ?? s.instanceUrl}/services/oauth2/token`;
    this.calls++;
    let res: Response;
    try {
      res = await this.ctx.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        redirect: 'manual',
      });
    } catch (e) {
      throw new SourceError(`Salesforce token endpoint unreachable: ${(e as Error).message}`, 'transient');
    }
    const body = parseJson(await res.text()) as Record<string, unknown> | undefined;
    if (!res.ok || typeof body?.access_token !== 'string') {
      const code = typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
      const platform = typeof body?.error_description === 'string' ? `${code}: ${body.error_description}` : code;
      if (res.status >= 500)
        throw new SourceError(`Salesforce token endpoint answered ${res.status}`, 'transient', undefined, platform);
      if (res.status === 429)
        throw new SourceError(
          'Salesforce token endpoint rate limited',
          'rate_limited',
          retryAfter(res.headers) ?? 60_000,
          platform,
        );
      if (CREDENTIAL_ERRORS.includes(code) || res.status === 400 || res.status === 401)
        throw new SourceError(`Salesforce refused the credentials (${code})`, 'credentials', undefined, platform);
      throw new SourceError(`Salesforce token endpoint answered ${res.status}`, 'config', undefined, platform);
    }
    this.token = { value: body.access_token, expiresAt: this.ctx.now() + TOKEN_REUSE_MS };
    this.newToken = this.token;
    // Connected apps with refresh-token rotation answer a new refresh token; the old one dies.
    if (
      this.refreshToken &&
      typeof body.refresh_token === 'string' &&
      !(await secretEquals(body.refresh_token, this.refreshToken))
    ) {
      this.refreshToken = body.refresh_token;
      this.tokens = { refreshToken: body.refresh_token };
    }
    return this.token.value;
  }

  /** A REST call; answers 2xx, throws SalesforceApiError for a 4xx the caller may handle, SourceError otherwise. */
  async request(
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.authorize();
      this.calls++;
      let res: Response;
      try {
        res = await this.ctx.fetch(this.url(path), {
          method: init.method ?? 'GET',
          headers: { accept: 'application/json', ...init.headers, authorization: `Bearer ${token}` },
          body: init.body,
          redirect: 'manual',
        });
      } catch (e) {
        throw new SourceError(`Salesforce unreachable: ${(e as Error).message}`, 'transient');
      }
      const text = await res.text();
      this.readUsage(res.headers);
      if (res.ok) return { status: res.status, headers: res.headers, text };
      const err = firstError(text);
      if (res.status === 401 && attempt === 0) {
        this.token = undefined; // INVALID_SESSION_ID: the session expired or was revoked; one fresh token
        continue;
      }
      const platform = `${err.errorCode}: ${err.message}`;
      if (res.status === 401)
        throw new SourceError(
          'Salesforce refused the session after a token refresh',
          'credentials',
          undefined,
          platform,
        );
      if (err.errorCode === 'REQUEST_LIMIT_EXCEEDED' || res.status === 429) {
        const usage = this.usage ? ` (api-usage ${this.usage.used}/${this.usage.max})` : '';
        throw new SourceError(
          `Salesforce API limit reached${usage}`,
          'rate_limited',
          retryAfter(res.headers) ?? (res.status === 429 ? 60_000 : LIMIT_RETRY_MS),
          platform,
        );
      }
      if (res.status >= 500 || err.errorCode === 'SERVER_UNAVAILABLE' || err.errorCode === 'UNABLE_TO_LOCK_ROW')
        throw new SourceError(`Salesforce answered ${res.status}`, 'transient', retryAfter(res.headers), platform);
      if (res.status >= 300 && res.status < 400)
        throw new SourceError(`Salesforce answered a redirect (${res.status}); redirects are not followed`, 'config');
      if (err.errorCode === 'API_DISABLED_FOR_ORG' || err.errorCode === 'INSUFFICIENT_ACCESS')
        throw new SourceError('Salesforce refused API access for this user', 'credentials', undefined, platform);
      throw new SalesforceApiError(res.status, err.errorCode, err.message);
    }
  }

  async json<T>(path: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<T> {
    const a = await this.request(path, init);
    const body = parseJson(a.text);
    if (body === undefined) throw new SourceError('Salesforce answered something other than JSON', 'transient');
    return body as T;
  }

  private readUsage(headers: Headers): void {
    const m = /api-usage=(\d+)\/(\d+)/.exec(headers.get('sforce-limit-info') ?? '');
    if (m) this.usage = { used: +m[1]!, max: +m[2]! };
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function firstError(text: string): { errorCode: string; message: string } {
  const body = parseJson(text);
  const e = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | undefined;
  return {
    errorCode: typeof e?.errorCode === 'string' ? e.errorCode : 'UNKNOWN',
    message: typeof e?.message === 'string' ? e.message : text.slice(0, 300),
  };
}

function retryAfter(headers: Headers): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
