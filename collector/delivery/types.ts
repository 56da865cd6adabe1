// The delivery layer's vocabulary: what a conversion row carries into a destination builder, the
// HTTP request a builder makes, and what a parsed platform answer means for each row.
import type { DestinationType, Mode } from '../../shared/schemas/destinations';
import type { IdentityField } from '../../shared/normalize';
import type { ConsentState } from '../../shared/schemas/collect';

export interface RowTouch {
  kind: string;
  /** The click id as parsed, verbatim. */
  value: string;
  /** Epoch ms the id was first seen. */
  firstSeen: number;
  /** The whole cookie when the touch was harvested from one (Meta `_fbc`). */
  raw?: string | null;
  landingUrl?: string | null;
  /** The device (anonymous id) that carried it. */
  anonymousId?: string | null;
}

export interface RowDevice {
  anonymousId: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The country of `ip` (ISO alpha-2), when known: Google never receives IPs from the EEA, UK or Switzerland. */
  country?: string | null;
  lastSeen: number;
}

/** Per-conversion settings (POST /api/audiences/{id}/conversions). */
export interface ConversionConfig {
  /** Meta event_name (default Lead). */
  eventName?: string;
  /** Overrides the destination's conversion action / rule / goal. */
  conversionAction?: string;
  /** Meta action_source (default system_generated). */
  actionSource?: string;
  value?: number;
  /** Dotted attribute path holding the value, e.g. crm.opportunity.amount. */
  valueField?: string;
  currency?: string;
}

/** One conversion to send: an audience entry for one destination. */
export interface ConversionRow {
  /** The entry id: event_id / orderId / transactionId / eventId on every platform. */
  id: string;
  /**
   * The row's key in the destination's outbox (default: `id`). Two conversions of one audience on
   * one destination (e.g. two Meta event names) need distinct keys, e.g. `<conversion id>:<entry id>`.
   */
  key?: string;
  /** The audience timestamp, epoch seconds. */
  eventTime: number;
  email: string;
  /** Raw identity values mapped from attributes (phone, first_name, country, external_id...). */
  identifiers?: Partial<Record<IdentityField, string>>;
  touches: RowTouch[];
  devices: RowDevice[];
  /** Attributes by source (crm, hubspot, traits...), for valueField. */
  attributes: Record<string, unknown>;
  consent?: ConsentState;
  conversion: ConversionConfig;
  /** Where the row came from (the hand-off sets it): what the delivery log filters on. */
  origin?: RowOrigin;
  /**
   * 'retraction': withdraw this entry's conversion, already sent under `key` minus RETRACTION_SUFFIX
   * (the person left the audience for a reason marked as a reversal); `retractAt` is when (epoch s).
   */
  kind?: 'retraction';
  retractAt?: number;
}

export interface RowOrigin {
  audienceId: string;
  conversionId: string;
  personKey: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** JSON body. */
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, else the text ('' when empty). */
  body: unknown;
}

// 'erased' and 'cancelled' never come from a builder: a queued row whose person was erased, or whose
// audience or conversion was deleted before it was sent (the outbox's gate).
// 'not_sent' and 'no_retraction' are a retraction's: its conversion was never sent (nothing to
// withdraw), or the platform has no way to withdraw one (the reversal is recorded in the log only).
export type SkipReason =
  'too_old' | 'no_identifier' | 'consent_denied' | 'invalid' | 'erased' | 'cancelled' | 'not_sent' | 'no_retraction';

export type Prepared<Item> = { ok: true; item: Item } | { ok: false; reason: SkipReason; message: string };

export interface PlatformError {
  code: string;
  message: string;
}

/**
 * How a failure should be treated; the retry policy turns it into a time or an end.
 * - transient: 5xx, Meta is_transient, Google INTERNAL; rate_limited: 429 and rate-limit codes
 * - timeout: no answer (ambiguous: resend the same ids); unauthorized: refresh the token once
 * - too_recent: Google's click < 6 h; daily_quota: Google's daily operations quota
 * - batch_rejected: Meta refused a whole batch for one bad event: split to find it
 * - permanent: the platform's own error, final
 */
export type FailureClass =
  | 'transient'
  | 'rate_limited'
  | 'timeout'
  | 'unauthorized'
  | 'too_recent'
  | 'daily_quota'
  | 'batch_rejected'
  | 'permanent';

export interface Failure {
  class: FailureClass;
  error: PlatformError;
  /** From Retry-After or the platform's retry delay. */
  retryAfterMs?: number;
}

export type RowOutcome =
  | { status: 'sent'; note?: string }
  | { status: 'unmatched'; error: PlatformError }
  | { status: 'pending_confirmation'; requestId: string }
  | { status: 'error'; failure: Failure };

export interface SendContext<Settings> {
  settings: Settings;
  mode: Mode;
  /** Base URL override (tests, proxies); the platform's own path follows it. */
  endpoint?: string;
  /** OAuth access token for platforms that use one. */
  accessToken?: string;
  now: number;
}

export type DeliveryType = DestinationType;
