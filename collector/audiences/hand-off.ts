// The hand-off from a PersonObject to delivery. Owner: the delivery work (DestinationObject).
import type { Env } from '../env';
import type { ConversionRow } from './types';

/**
 * Gives due conversion rows (status 'pending') to their DestinationObjects' outboxes. Called by
 * the PersonObject after the rows are durably stored, and again on its next evaluation or alarm
 * for rows not yet marked handed off, so it must be idempotent by `row.id` (a row may arrive twice).
 *
 * Contract for the implementation:
 * - Build the platform payload from the person at send time (event id = row.entryId, event time =
 *   row.timestamp clamped to the send time), and never send past the platform's age limit.
 * - Before each send, check the conversion still exists and that neither it nor its audience is
 *   paused (the ConfigObject's audienceConfig()); a deleted one cancels the row, a paused one waits.
 * - Report outcomes back to the PersonObject (status beyond 'pending' in its `conversions` table).
 *
 * Until delivery lands this accepts nothing, so the rows stay 'pending' and unhanded (and are
 * offered again later): nothing is sent.
 */
export async function handOff(_env: Env, _rows: ConversionRow[]): Promise<{ accepted: string[] }> {
  return { accepted: [] };
}
