// One batch over the wire: get an access token (cached; refreshed once after a 401), send the exact
// request with a timeout and no redirects, and parse the answer into one outcome per row. What the
// delivery log keeps is the redacted request and the platform's answer.
import type { DestinationDefinition } from '../destinations/definition';
import type { Mode } from '../../shared/schemas/destinations';
import { SECRET_SETTINGS } from '../../shared/schemas/destinations';
import { accessTokenFor, OAuthError, type CachedToken } from './oauth';
import { redactRequest } from './redact';
import type { HttpRequest, HttpResponse, RowOutcome } from './types';

export interface SendOptions<S> {
  settings: S;
  mode: Mode;
  endpoint?: string;
  tokenEndpoint?: string;
  now: number;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
  tokenCache?: CachedToken | null;
}

export interface SentBatch {
  /** The request as the log keeps it (credentials redacted). */
  request: HttpRequest;
  response: HttpResponse | null;
  outcomes: RowOutcome[];
  /** Whether a request actually left (false in dry_run and in validate-only test modes). */
  sent: boolean;
  tokenCache: CachedToken | null;
  /** A rotated refresh token to save in the destination's settings. */
  rotatedRefreshToken?: string;
  refreshed: boolean;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

function secretsOf(def: DestinationDefinition, settings: unknown, token?: string): string[] {
  const s = settings as Record<string, unknown>;
  return [...SECRET_SETTINGS[def.type].map((k) => s[k] as string | undefined), token].filter((v): v is string => !!v);
}

/** fetch with a timeout, never following redirects; the body parsed as JSON when it is JSON. */
export async function httpCall(
  req: HttpRequest,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<HttpResponse | 'timeout' | Error> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetchImpl(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      redirect: 'manual',
      signal: ctl.signal,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : '';
    } catch {
      // keep the text
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, body };
  } catch (e) {
    return ctl.signal.aborted ? 'timeout' : (e as Error);
  } finally {
    clearTimeout(timer);
  }
}

export async function sendBatch<S, I>(
  def: DestinationDefinition<S, I>,
  items: I[],
  opts: SendOptions<S>,
): Promise<SentBatch> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const all = (o: RowOutcome) => items.map(() => o);
  const willSend = opts.mode === 'live' || (opts.mode === 'test' && def.sendsInTest);
  let tokenCache = opts.tokenCache ?? null;
  let rotated: string | undefined;
  let token: string | undefined;
  let refreshed = false;
  // The grant a refresh uses: a refresh token rotated by this call's first refresh replaces the old
  // one at once (the platform revoked it), so a refresh forced by a 401 right after uses the new one.
  let grantSettings = opts.settings;

  async function getToken({ force }: { force: boolean }): Promise<RowOutcome | null> {
    if (!def.oauth) return null;
    try {
      const r = await accessTokenFor(def.oauth, grantSettings, {
        cache: tokenCache,
        force,
        now: opts.now,
        tokenEndpoint: opts.tokenEndpoint,
        fetchImpl,
      });
      token = r.token;
      tokenCache = r.cache;
      if (r.rotatedRefreshToken) {
        rotated = r.rotatedRefreshToken;
        grantSettings = { ...grantSettings, refreshToken: r.rotatedRefreshToken };
      }
      return null;
    } catch (e) {
      const err = e instanceof OAuthError ? e : new OAuthError('token', String(e), { permanent: false });
      return {
        status: 'error',
        failure: {
          class: err.permanent ? 'permanent' : 'transient',
          error: { code: `oauth_${err.code}`, message: err.message },
        },
      };
    }
  }

  const ctx = (t?: string) => ({
    settings: opts.settings,
    mode: opts.mode,
    endpoint: opts.endpoint,
    accessToken: t,
    now: opts.now,
  });
  // A dry run never touches the network, not even the token endpoint: the exact body is recorded.
  if (opts.mode === 'dry_run') {
    const request = def.buildRequest(items, ctx('DRY_RUN'));
    return {
      request: redactRequest(request, secretsOf(def, opts.settings)),
      response: null,
      outcomes: all({ status: 'sent', note: 'dry_run: recorded, not sent' }),
      sent: false,
      tokenCache,
      refreshed,
    };
  }
  const tokenProblem = await getToken({ force: false });
  if (tokenProblem) {
    const request = def.buildRequest(items, ctx());
    return {
      request: redactRequest(request, secretsOf(def, opts.settings)),
      response: null,
      outcomes: all(tokenProblem),
      sent: false,
      tokenCache,
      rotatedRefreshToken: rotated,
      refreshed,
    };
  }
  let request = def.buildRequest(items, ctx(token));
  if (!willSend) {
    return {
      request: redactRequest(request, secretsOf(def, opts.settings, token)),
      response: null,
      outcomes: all({
        status: 'sent',
        note: 'test: credentials and payload validated, not sent (the platform has no test mode)',
      }),
      sent: false,
      tokenCache,
      rotatedRefreshToken: rotated,
      refreshed,
    };
  }
  for (;;) {
    const res = await httpCall(request, fetchImpl, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const redacted = redactRequest(request, secretsOf(def, opts.settings, token));
    const base = { request: redacted, sent: true, tokenCache, rotatedRefreshToken: rotated };
    if (res === 'timeout')
      return {
        ...base,
        response: null,
        refreshed,
        outcomes: all({
          status: 'error',
          failure: {
            class: 'timeout',
            error: {
              code: 'TIMEOUT',
              message: `no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms (the platform may have it: resent with the same ids)`,
            },
          },
        }),
      };
    if (res instanceof Error)
      return {
        ...base,
        response: null,
        refreshed,
        outcomes: all({
          status: 'error',
          failure: { class: 'transient', error: { code: 'NETWORK', message: res.message } },
        }),
      };
    if (res.status >= 300 && res.status < 400)
      return {
        ...base,
        response: res,
        refreshed,
        outcomes: all({
          status: 'error',
          failure: {
            class: 'permanent',
            error: { code: `HTTP_${res.status}`, message: 'redirect refused: requests never follow redirects' },
          },
        }),
      };
    const outcomes = def.parseResponse(res, items, ctx(token));
    const unauthorized = outcomes.some((o) => o.status === 'error' && o.failure.class === 'unauthorized');
    if (unauthorized && def.oauth?.grant(opts.settings) && !refreshed) {
      refreshed = true;
      const problem = await getToken({ force: true });
      if (problem)
        return { ...base, response: res, refreshed, tokenCache, rotatedRefreshToken: rotated, outcomes: all(problem) };
      request = def.buildRequest(items, ctx(token));
      continue;
    }
    return {
      ...base,
      tokenCache,
      rotatedRefreshToken: rotated,
      response: res,
      outcomes,
      refreshed: refreshed || !def.oauth?.grant(opts.settings),
    };
  }
}

/** Ask the platform how an asynchronous request ended (Google Data Manager). */
export async function checkStatus<S, I>(
  def: DestinationDefinition<S, I>,
  requestId: string,
  opts: SendOptions<S>,
): Promise<{ outcome: RowOutcome; tokenCache: CachedToken | null; rotatedRefreshToken?: string }> {
  if (!def.status) return { outcome: { status: 'sent' }, tokenCache: opts.tokenCache ?? null };
  const fetchImpl = opts.fetchImpl ?? fetch;
  let cache = opts.tokenCache ?? null;
  let token: string | undefined;
  let rotated: string | undefined;
  try {
    if (def.oauth) {
      const r = await accessTokenFor(def.oauth, opts.settings, {
        cache,
        now: opts.now,
        tokenEndpoint: opts.tokenEndpoint,
        fetchImpl,
      });
      token = r.token;
      cache = r.cache;
      rotated = r.rotatedRefreshToken;
    }
  } catch (e) {
    return { outcome: { status: 'pending_confirmation', requestId }, tokenCache: cache };
  }
  const ctx = { settings: opts.settings, mode: opts.mode, endpoint: opts.endpoint, accessToken: token, now: opts.now };
  const res = await httpCall(def.status.buildRequest(requestId, ctx), fetchImpl, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (res === 'timeout' || res instanceof Error)
    return {
      outcome: { status: 'pending_confirmation', requestId },
      tokenCache: cache,
      ...(rotated ? { rotatedRefreshToken: rotated } : {}),
    };
  const outcome = def.status.parseResponse(res, requestId, ctx);
  return {
    outcome:
      outcome.status === 'error' && outcome.failure.class !== 'permanent'
        ? { status: 'pending_confirmation', requestId }
        : outcome,
    tokenCache: cache,
    ...(rotated ? { rotatedRefreshToken: rotated } : {}),
  };
}
