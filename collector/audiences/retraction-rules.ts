// When an exit withdraws a conversion (ARCHITECTURE §4 entries, docs/audiences.md "Retractions"):
// the conversion opted in with `retractOn`, its criteria hold on the person's attributes at the exit,
// and the conversion row of the entry that counted was (or will be) handed to delivery. The backfill
// guard applies to exits as to entries: a reversal whose time lies outside the audience window (a
// populate finding a deal lost months ago) sends nothing and is recorded as skipped.
import { evaluate, FUTURE_TOLERANCE_MS, getPath } from '../../shared/criteria';
import { DAY_MS, parseTimestamp, toEpochSeconds } from '../../shared/time';
import type { ConversionStatus, StoredAudience, StoredConversion } from './types';

export interface RetractionDecision {
  status: 'pending' | 'skipped';
  reason: 'outside_window' | 'no_timestamp' | null;
  /** When the reversal happened, epoch seconds (never after `now`). */
  retractAt: number;
}

export function retractionFor(
  audience: Pick<StoredAudience, 'timestamp'>,
  conversion: Pick<StoredConversion, 'retractOn'>,
  attributes: Record<string, unknown>,
  originalStatus: ConversionStatus | null,
  now: number,
): RetractionDecision | null {
  const spec = conversion.retractOn;
  if (!spec || !evaluate(spec.criteria, attributes, now)) return null;
  // Nothing was sent and nothing will be: there is nothing to withdraw.
  if (originalStatus === null || originalStatus === 'skipped' || originalStatus === 'cancelled') return null;
  const at = spec.timestamp ? parseTimestamp(getPath(attributes, spec.timestamp)) : now;
  if (at === null) return { status: 'skipped', reason: 'no_timestamp', retractAt: toEpochSeconds(now) };
  const inside = at >= now - audience.timestamp.withinDays * DAY_MS && at <= now + FUTURE_TOLERANCE_MS;
  return {
    status: inside ? 'pending' : 'skipped',
    reason: inside ? null : 'outside_window',
    retractAt: toEpochSeconds(Math.min(at, now)),
  };
}
