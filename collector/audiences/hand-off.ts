// The hand-off from a PersonObject to delivery: due conversion rows go to their destination's
// DestinationObject outbox, built with delivery's conversionRowFrom from the person's state. The
// audit builds its rows with the same deliveryRow, so what it shows is what is handed off.
import type { Env } from '../env';
import { conversionRowFrom, type PersonView } from '../delivery/conversion-row';
import type { ConversionRow as DeliveryRow } from '../delivery/types';
import type { ConversionRow, StoredConversion } from './types';

/**
 * The DestinationObject of a destination id, as the destinations API addresses it; an unconfigured
 * object refuses rows, which then stay pending here.
 */
export function destinationById(env: Env, destinationId: string) {
  return env.DESTINATION.get(env.DESTINATION.idFromName(destinationId));
}

/**
 * The delivery row of one entry x conversion. Its outbox key is the person's row id
 * (`<entry id>:<conversion id>`), so two conversions of one audience on one destination stay apart
 * and pause / delete can address the row; the event id sent is still the entry id.
 */
export function deliveryRow(person: PersonView, row: Pick<ConversionRow, 'id' | 'entryId' | 'timestamp'>, conversion: StoredConversion): DeliveryRow {
  const { eventName, conversionAction, actionSource, value, valueField, currency } = conversion;
  const settings = { eventName, conversionAction, actionSource, value, valueField, currency };
  // Absent settings stay absent (undefined does not cross RPC the same way everywhere).
  for (const k of Object.keys(settings) as (keyof typeof settings)[]) if (settings[k] === undefined) delete settings[k];
  return { ...conversionRowFrom(person, { id: row.entryId, timestamp: row.timestamp }, settings), key: row.id };
}

/**
 * Gives due rows (status 'pending') to their destinations. Called after the rows are durably stored
 * and again on later evaluations for rows not yet accepted, so it relies on the DestinationObject
 * ignoring a key it already holds. Pause and deletion after hand-off go through `control`.
 */
export async function handOff(
  env: Env,
  person: PersonView,
  rows: ConversionRow[],
  conversions: Map<string, StoredConversion>,
): Promise<{ accepted: string[] }> {
  const byDestination = new Map<string, ConversionRow[]>();
  for (const row of rows) byDestination.set(row.destinationId, [...(byDestination.get(row.destinationId) ?? []), row]);
  const accepted: string[] = [];
  await Promise.all(
    [...byDestination].map(async ([destinationId, group]) => {
      const ready = group.filter((r) => conversions.has(r.conversionId));
      if (!ready.length) return;
      try {
        const result = await destinationById(env, destinationId).enqueue(ready.map((r) => deliveryRow(person, r, conversions.get(r.conversionId)!)));
        if (result.ok) accepted.push(...ready.map((r) => r.id));
      } catch (e) {
        console.error('conversion hand-off failed; retried on the next evaluation', e instanceof Error ? e.name : typeof e);
      }
    }),
  );
  return { accepted };
}
