// Retractions go to their destination's outbox as conversion rows do (hand-off.ts): the same
// delivery row, so the same outbox key plus RETRACTION_SUFFIX; the outbox sends it only after the
// conversion under that key was sent, and only once (it ignores a key it already holds).
import type { Env } from '../env';
import type { PersonView } from '../delivery/conversion-row';
import { RETRACTION_SUFFIX } from '../destinations/definition';
import { deliveryRow, handOffByDestination } from './hand-off';
import type { ConversionRow, StoredConversion } from './types';

export type RetractionRow = Pick<
  ConversionRow,
  'id' | 'entryId' | 'timestamp' | 'audienceId' | 'conversionId' | 'destinationId' | 'personKey'
> & { retractAt: number };

export async function handOffRetractions(
  env: Env,
  person: PersonView,
  rows: RetractionRow[],
  conversions: Map<string, StoredConversion>,
): Promise<{ accepted: string[] }> {
  return handOffByDestination(env, rows, conversions, {
    build: async (r, conversion) => {
      const row = await deliveryRow(person, r, conversion);
      return {
        ...row,
        key: `${row.key ?? row.id}${RETRACTION_SUFFIX}`,
        kind: 'retraction' as const,
        retractAt: r.retractAt,
      };
    },
    failure: 'retraction hand-off failed; retried on the next evaluation',
  });
}
