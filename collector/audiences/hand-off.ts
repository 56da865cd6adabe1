// The hand-off from a PersonObject to delivery: due conversion rows go to their destination's
// DestinationObject outbox, built with delivery's conversionRowFrom from the person's state.
import type { Env } from '../env';
import { conversionKey, conversionRowFrom, type PersonView } from '../delivery/conversion-row';
import type { ConversionRow, StoredConversion } from './types';

/**
 * The DestinationObject of a destination id. The destinations API (not on main yet) must address
 * objects the same way; an unconfigured object refuses rows, which then stay pending here.
 */
export function destinationById(env: Env, destinationId: string) {
  return env.DESTINATION.get(env.DESTINATION.idFromName(destinationId));
}

/**
 * Gives due rows (status 'pending') to their destinations. Called after the rows are durably stored
 * and again on later evaluations for rows not yet accepted, so it relies on the DestinationObject
 * ignoring an entry id it already holds. Pause and deletion after hand-off are the outbox's to
 * honour at send time; the platform's age limit too.
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
      const delivery = await Promise.all(ready.map(async (r) => {
        const { eventName, conversionAction, actionSource, value, valueField, currency } = conversions.get(r.conversionId)!;
        const config = { eventName, conversionAction, actionSource, value, valueField, currency };
        // Keyed by what the platform counts by; the origin is what the delivery log filters on.
        return { ...conversionRowFrom(person, { id: r.entryId, timestamp: r.timestamp }, config), key: await conversionKey(r.entryId, config), origin: { audienceId: r.audienceId, conversionId: r.conversionId, personKey: r.personKey } };
      }));
      try {
        const result = await destinationById(env, destinationId).enqueue(delivery);
        if (result.ok) accepted.push(...ready.map((r) => r.id));
      } catch (e) {
        console.error('conversion hand-off failed; retried on the next evaluation', e instanceof Error ? e.name : typeof e);
      }
    }),
  );
  return { accepted };
}
