// What both Google fakes share: google.rpc error bodies, the token endpoint path, and the click
// registry Google checks conversions against (click age, too-recent, conversion before click).
import { DAY_MS, HOUR_MS } from './rules';
import type { Fault, FakeReply } from './server';

export const GOOGLE_TOKEN_PATH = '/token';
export const CLICK_KEYS = ['gclid', 'gbraid', 'wbraid'] as const;
export const CLICK_ID = /^[A-Za-z0-9_-]+$/;

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function rpcError(status: number, message: string, details: unknown[] = []): FakeReply {
  return { status, body: { error: { code: status, message, status: STATUS_NAME[status] ?? 'UNKNOWN', details } } };
}

export function adsFailure(version: number, errors: unknown[], requestId = 'fake-request'): Record<string, unknown> {
  return { '@type': `type.googleapis.com/google.ads.googleads.v${version}.errors.GoogleAdsFailure`, errors, requestId };
}

/** Request-level error bodies for injected faults, in the Google Ads shape. */
export function googleFaultReply(status: number, fault: Fault, version = 26): FakeReply {
  if (fault.kind === 'daily_quota')
    return rpcError(429, 'Resource has been exhausted (e.g. check quota).', [
      adsFailure(version, [
        {
          errorCode: { quotaError: 'RESOURCE_EXHAUSTED' },
          message: 'Number of operations for basic access has been exceeded.',
        },
      ]),
    ]);
  if (status === 429)
    return rpcError(429, 'Resource has been exhausted (e.g. check quota).', [
      adsFailure(version, [
        {
          errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
          message: 'Too many requests. Retry in 30 seconds.',
          details: { quotaErrorDetails: { rateScope: 'ACCOUNT', retryDelay: '30s' } },
        },
      ]),
    ]);
  if (status === 401)
    return rpcError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
  if (status >= 500)
    return rpcError(status, 'Internal error encountered.', [
      adsFailure(version, [
        { errorCode: { internalError: 'INTERNAL_ERROR' }, message: 'An internal error has occurred.' },
      ]),
    ]);
  return rpcError(status || 400, 'Request contains an invalid argument.');
}

export interface ClickRegistry {
  /** Clicks Google knows, by id, with their click time (ms). */
  clicks: Map<string, number>;
  /** Whether a click id Google has never seen is CLICK_NOT_FOUND (true) or accepted (false). */
  strictClicks?: boolean;
}

/** The conversionUploadError Google gives a click at `conversionMs`, or null when it attributes. */
export function clickIssue(reg: ClickRegistry, id: string, conversionMs: number, nowMs: number): string | null {
  const clickMs = reg.clicks.get(id);
  if (clickMs === undefined) return reg.strictClicks ? 'CLICK_NOT_FOUND' : null;
  if (conversionMs < clickMs) return 'CONVERSION_PRECEDES_EVENT';
  if (conversionMs - clickMs > 90 * DAY_MS) return 'EXPIRED_EVENT';
  if (nowMs - clickMs < 6 * HOUR_MS) return 'TOO_RECENT_EVENT';
  return null;
}
