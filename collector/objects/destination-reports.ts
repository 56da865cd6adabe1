// The two counts the admin's charts read from a destination's outbox: rows made per day (the
// overview) and conversions per audience and week of their event time, with retractions and values
// (the stage ladders). Apart from the DestinationObject because they are read-only SQL reports over
// its outbox table, with none of the object's delivery state.
import type { DestinationType } from '../../shared/schemas/destinations';
import { RETRACTION_SUFFIX } from '../destinations/definition';
import { ITEM_FIELDS, NO_FIELDS } from '../ladders/item-value';

export type WeeklyAudienceCount = {
  audienceId: string;
  week: number;
  n: number;
  retracted: number;
  valued: number;
  value: number;
  currency: string | null;
};

/** Conversion rows made per UTC day since `since`, skipped ones left out (the admin overview's chart). */
export function dailyCounts(sql: SqlStorage, since: number): { day: number; n: number }[] {
  return sql
    .exec<{ day: number; n: number }>(
      `SELECT created_at / 86400000 AS day, count(*) AS n FROM outbox WHERE created_at >= ? AND status != 'skipped' GROUP BY day ORDER BY day`,
      since,
    )
    .toArray();
}

/**
 * Conversions per audience and week of their event time (week 0 starts at `since`), for the stage
 * ladders: rows on their way or delivered (skipped, failed and dead-lettered ones left out), with
 * the value sum and currency read from each stored item. `valued`: how many rows carried a value.
 * Entries sent on turn-on (sendExisting) land in the weeks they happened, not the week sent.
 */
export function weeklyAudienceCounts(
  sql: SqlStorage,
  type: DestinationType | undefined,
  since: number,
  audienceIds: string[],
): WeeklyAudienceCount[] {
  if (audienceIds.length === 0) return [];
  const f = ITEM_FIELDS[type ?? ''] ?? NO_FIELDS;
  // A row is made no earlier than its event (clamped 5 minutes into the future), so the
  // created_at bound keeps the audience index in use without losing any row. Conversions only:
  // one withdrawn by a retraction (sent, or on its way) counts under `retracted`, not `n`; a
  // reversal the platform cannot take (skipped, no_retraction) leaves the conversion counted there.
  return sql
    .exec<WeeklyAudienceCount>(
      `SELECT audienceId, CAST((t - ?) / 604800000 AS INTEGER) AS week, sum(r = 0) AS n, sum(r) AS retracted,
              sum(r = 0 AND v IS NOT NULL) AS valued, coalesce(sum(CASE WHEN r = 0 THEN v END), 0) AS value, currency
       FROM (SELECT o.audience_id AS audienceId, coalesce(${f.eventMs}, o.created_at) AS t, ${f.value} AS v, ${f.currency} AS currency,
                    EXISTS (SELECT 1 FROM outbox x WHERE x.id = o.id || ? AND x.status NOT IN ('skipped', 'failed', 'dead_letter')) AS r
             FROM outbox o WHERE o.created_at >= ? AND o.kind = 'conversion' AND o.status NOT IN ('skipped', 'failed', 'dead_letter')
               AND o.audience_id IN (SELECT value FROM json_each(?)))
       WHERE t >= ? GROUP BY audienceId, week, currency ORDER BY audienceId, week`,
      since,
      RETRACTION_SUFFIX,
      since - 600_000,
      JSON.stringify(audienceIds),
      since,
    )
    .toArray();
}
