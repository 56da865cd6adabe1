// Retractions go to their destination's outbox as conversion rows do (hand-off.ts): the same
// delivery row, so the same outbox key plus RETRACTION_SUFFIX; the outbox sends it only after the
// conversion under that key was sent, and only once (it ignores a key it already holds).
import type { Env } from '../env';
import type { PersonView } from '../delivery/conversion-row';
import { RETRACTION_SUFFIX } from '../destinations/definition';
import { deliveryRow } from './hand-off';
import type { ConversionRow, StoredConversion } from './types';
import { destinationById } from '../objects/doors';
import { logError } from '../log-error';

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
  const byDestination = new Map<string, RetractionRow[]>();
  for (const row of rows) byDestination.set(row.destinationId, [...(byDestination.get(row.destinationId) ?? []), row]);
  const accepted: string[] = [];
  await Promise.all(
    [...byDestination].map(async ([destinationId, group]) => {
      const ready = group.filter((r) => conversions.has(r.conversionId));
      if (!ready.length) return;
      const delivery = await Promise.all(
        ready.map(async (r) => {
          const row = await deliveryRow(person, r, conversions.get(r.conversionId)!);
          return {
            ...row,
            key: `${row.key ?? row.id}${RETRACTION_SUFFIX}`,
            kind: 'retraction' as const,
            retractAt: r.retractAt,
          };
        }),
      );
      try {
        const result = await destinationById(env, destinationId).enqueue(delivery);
        if (result.ok) accepted.push(...ready.map((r) => r.id));
      } catch (e) {
        logError('retraction hand-off failed; retried on the next evaluation', e);
      }
    }),
  );
  return { accepted };
}
