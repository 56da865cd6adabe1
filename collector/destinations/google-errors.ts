// Request-level answers of Google's APIs (google.rpc.Status with GoogleAdsFailure details) as failures.
import { retryAfterMs, statusFailure, errorText } from '../delivery/http';
import type { Failure, HttpResponse } from '../delivery/types';
import { durationMs, errorCodeOf } from './google-click';

export function googleRequestFailure(res: HttpResponse, now: number): Failure {
  const err = (res.body as { error?: { status?: string; message?: string; details?: { errors?: unknown[] }[] } })
    ?.error;
  const first = err?.details?.flatMap((d) => d.errors ?? [])[0];
  const [, code] = first ? errorCodeOf(first) : ['', err?.status ?? `HTTP_${res.status}`];
  const error = {
    code,
    message: String((first as { message?: string })?.message ?? err?.message ?? errorText(res.body)),
  };
  if (code === 'RESOURCE_EXHAUSTED') return { class: 'daily_quota', error };
  if (code === 'RESOURCE_TEMPORARILY_EXHAUSTED' || res.status === 429) {
    // The body's retryDelay and the Retry-After header may both be there: wait for the longer.
    const delays = [
      durationMs(
        (first as { details?: { quotaErrorDetails?: { retryDelay?: string } } })?.details?.quotaErrorDetails
          ?.retryDelay,
      ),
      retryAfterMs(res.headers, now),
    ].filter((d): d is number => d !== undefined);
    const delay = delays.length ? Math.max(...delays) : undefined;
    return { class: 'rate_limited', error, ...(delay === undefined ? {} : { retryAfterMs: delay }) };
  }
  return statusFailure(res, error, now);
}
