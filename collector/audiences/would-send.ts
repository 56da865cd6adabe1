// The audit's "would send": for a conversion row, the exact item and request the destination's own
// builder makes (the same prepare / buildRequest the outbox uses), or why it would be skipped. A row
// already in the outbox shows the item stored there: those are the bytes every attempt sends.
// Runs inside the DestinationObject (settings are decrypted only there); stores nothing.
import type { DestinationRuntime, OutboxEntry, OutboxStore, RowStatus } from '../delivery/outbox';
import { matchKeys, type MatchKey } from '../delivery/match-keys';
import { matchCoverage, type MatchCoverage } from '../delivery/match-coverage';
import { redactRequest } from '../delivery/redact';
import { DEFAULT_RETRY_POLICY } from '../delivery/retry-policy';
import type { ConversionRow, HttpRequest, SkipReason as DeliverySkip } from '../delivery/types';
import { SECRET_SETTINGS, type Mode } from '../../shared/schemas/destinations';
import type { AuditSkip } from './types';
import { RETRACTION_SUFFIX } from '../destinations/definition';

export interface WouldSend {
  key: string;
  mode: Mode;
  /** The platform item for this row (Meta event, Google conversion, ...), or null when skipped. */
  payload: unknown;
  /** The request it travels in when sent alone (batches carry more items); credentials redacted. */
  request: HttpRequest | null;
  skip: AuditSkip | null;
  detail: string | null;
  /** The match keys the payload carries (delivery/match-keys.ts); null when skipped. */
  matchKeys?: MatchKey[] | null;
  /** Keys, originating click and score (delivery/match-coverage.ts): as recorded for a row already handed off, else as it would be; null when skipped. */
  coverage?: MatchCoverage | null;
  /** Where the row stands in the outbox, when it was handed off already; held = its audience or conversion is paused. */
  outbox: { status: RowStatus; held: boolean; note: string | null } | null;
  /** This row's retraction (an exit marked as a reversal), once handed to the outbox; else null. */
  retraction?: AuditRetraction | null;
}

/**
 * Where a retraction stands: `sent` (withdrawn at the platform), `no_retraction` (the platform has
 * none: recorded only), `not_sent` (the conversion never went out: nothing to withdraw), `pending`
 * (waiting in the outbox), `failed`, or `skipped` for another reason (`note` says which).
 */
export interface AuditRetraction {
  state: 'sent' | 'no_retraction' | 'not_sent' | 'pending' | 'failed' | 'skipped';
  /** When it was sent or last changed (ms). */
  at: number;
  note: string | null;
}

function retractionOf(e: OutboxEntry | undefined | null): AuditRetraction | null {
  if (!e) return null;
  const state: AuditRetraction['state'] =
    e.status === 'queued' || e.status === 'leased'
      ? 'pending'
      : e.status === 'failed' || e.status === 'dead_letter'
        ? 'failed'
        : e.status === 'skipped'
          ? e.skipReason === 'no_retraction' || e.skipReason === 'not_sent'
            ? e.skipReason
            : 'skipped'
          : 'sent';
  return { state, at: e.sentAt ?? e.updatedAt, note: e.note };
}

const SKIPS: Record<DeliverySkip, AuditSkip> = {
  too_old: 'older_than_platform_allows',
  no_identifier: 'no_matchable_identifier',
  consent_denied: 'consent_denied',
  invalid: 'invalid_event',
  erased: 'erased',
  cancelled: 'cancelled',
  not_sent: 'not_sent',
  no_retraction: 'no_retraction',
};

export async function wouldSend<S>(
  store: OutboxStore,
  held: (entry: OutboxEntry) => boolean,
  rt: DestinationRuntime<S>,
  rows: ConversionRow[],
  now: number,
): Promise<WouldSend[]> {
  const secrets = SECRET_SETTINGS[rt.def.type].map(
    (k) => (rt.settings as Record<string, unknown>)[k] as string | undefined,
  );
  const request = (item: unknown) =>
    redactRequest(
      rt.def.buildRequest([item], {
        settings: rt.settings,
        mode: rt.mode,
        endpoint: rt.endpoint,
        accessToken: 'ACCESS_TOKEN',
        now,
      }),
      [...secrets, 'ACCESS_TOKEN'],
    );
  const out: WouldSend[] = [];
  for (const row of rows) {
    const key = row.key ?? row.id;
    const base = { key, mode: rt.mode, retraction: retractionOf(store.get(key + RETRACTION_SUFFIX)) };
    const stored = store.get(key);
    if (stored) {
      const outbox = { status: stored.status, held: held(stored), note: stored.note };
      if (stored.status === 'skipped') {
        const skip = stored.skipReason ? SKIPS[stored.skipReason] : 'invalid_event';
        out.push({ ...base, payload: null, request: null, skip, detail: stored.note, outbox });
      } else
        out.push({
          ...base,
          payload: stored.item,
          matchKeys: matchKeys(rt.def.type, stored.item),
          coverage: stored.coverage ?? matchCoverage(rt.def.type, stored.item, row, now),
          request: request(stored.item),
          skip: null,
          detail: null,
          outbox,
        });
      continue;
    }
    // The outbox's own age rule (outbox.ts enqueue + flush): a send must start before the deadline less the margin.
    const maxAge = rt.def.maxEventAgeMs(row.conversion);
    if (maxAge !== null && Math.min(row.eventTime * 1000, now) + maxAge - DEFAULT_RETRY_POLICY.ageMarginMs <= now) {
      out.push({
        ...base,
        payload: null,
        request: null,
        skip: 'older_than_platform_allows',
        detail: `${rt.def.label} takes events up to ${Math.round(maxAge / 86_400_000)} days old`,
        outbox: null,
      });
      continue;
    }
    const prepared = await rt.def.prepare(row, rt.settings, now);
    if (prepared.ok)
      out.push({
        ...base,
        payload: prepared.item,
        matchKeys: matchKeys(rt.def.type, prepared.item),
        coverage: matchCoverage(rt.def.type, prepared.item, row, now),
        request: request(prepared.item),
        skip: null,
        detail: null,
        outbox: null,
      });
    else
      out.push({
        ...base,
        payload: null,
        request: null,
        skip: SKIPS[prepared.reason],
        detail: prepared.message,
        outbox: null,
      });
  }
  return out;
}
