// Google's click choice, shared by both Google paths: the newest of gclid / gbraid / wbraid seen
// before the event time and within 90 days, at most one (none is fine: enhanced conversions for leads).
import { newestTouch } from '../delivery/click-choice';
import type { RowTouch } from '../delivery/types';

export const GOOGLE_CLICK_KINDS = ['gclid', 'gbraid', 'wbraid'] as const;

export function googleClick(touches: readonly RowTouch[], eventTimeMs: number): RowTouch | null {
  return newestTouch(touches, GOOGLE_CLICK_KINDS, eventTimeMs);
}

/** Errors Google gives when the conversion is fine but matches no click of its own: `unmatched`. */
export const GOOGLE_UNMATCHED = ['CLICK_NOT_FOUND', 'EVENT_NOT_FOUND', 'INVALID_CUSTOMER_FOR_CLICK'];
/** Errors that mean this very conversion is already stored: our own replay, so `sent`. */
export const GOOGLE_ALREADY_SENT = ['CLICK_CONVERSION_ALREADY_EXISTS', 'ORDER_ID_ALREADY_IN_USE'];
export const GOOGLE_TOO_RECENT = ['TOO_RECENT_EVENT', 'TOO_RECENT_CONVERSION_ACTION', 'TOO_RECENT_CLICK'];

/** The enum value of a GoogleAdsError's errorCode ({conversionUploadError: 'X'} -> ['conversionUploadError', 'X']). */
export function errorCodeOf(err: unknown): [string, string] {
  const code = (err as { errorCode?: Record<string, string> })?.errorCode;
  const entry = code && Object.entries(code)[0];
  return entry ? [entry[0], String(entry[1])] : ['unknown', 'UNKNOWN'];
}

/** Seconds of a google.protobuf.Duration string ("30s"). */
export function durationMs(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v) : null;
  return m ? Math.round(+m[1]! * 1000) : undefined;
}
