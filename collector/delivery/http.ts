// Reading platform answers: Retry-After, and the failure class of a plain HTTP status.
import type { Failure, HttpResponse, PlatformError } from './types';

/** Retry-After as ms from `now`: delta seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const v = headers['retry-after'];
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return +v.trim() * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The class a status implies when the body says nothing more specific. */
export function statusFailure(res: HttpResponse, error: PlatformError, now: number): Failure {
  const after = retryAfterMs(res.headers, now);
  const base = after === undefined ? {} : { retryAfterMs: after };
  if (res.status === 401) return { class: 'unauthorized', error, ...base };
  if (res.status === 429) return { class: 'rate_limited', error, ...base };
  if (res.status >= 500 || res.status === 408) return { class: 'transient', error, ...base };
  return { class: 'permanent', error };
}

export function same<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}

export function errorText(body: unknown): string {
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body ?? null).slice(0, 500);
}
