// The hand-off from a PersonObject to delivery: due conversion rows go to their destination's
// DestinationObject outbox, built with delivery's conversionRowFrom from the person's state. The
// audit builds its rows with the same deliveryRow, so what it shows is what is handed off.
import type { Env } from '../env';
import { conversionKey, conversionRowFrom, type PersonView } from '../delivery/conversion-row';
import type { IdentityMapping } from '../../shared/schemas/identity-mapping';
import { effectiveMapping, resolveIdentifiers, type IdentifierSource } from './identity-mapping';
import type { ConversionRow as DeliveryRow } from '../delivery/types';
import type { ConversionRow, StoredConversion } from './types';
import { destinationById } from '../objects/doors';
import { logError } from '../log-error';

/**
 * The delivery row of one entry x conversion. Its outbox key is what the platform counts by
 * (conversionKey: the entry id, plus a hash of event name / conversion action when set), so a
 * conversion turned off and on again never sends twice; the origin is what the delivery log filters
 * on and what the outbox's gate reads at flush time (pause holds the row, deletion cancels it).
 */
export async function deliveryRow(
  person: PersonView,
  row: Pick<ConversionRow, 'entryId' | 'timestamp' | 'audienceId' | 'conversionId' | 'personKey'>,
  conversion: StoredConversion,
  identityMapping?: IdentityMapping | null,
): Promise<DeliveryRow> {
  const { eventName, conversionAction, actionSource, value, valueField, currency } = conversion;
  const settings = { eventName, conversionAction, actionSource, value, valueField, currency };
  // Absent settings stay absent (undefined does not cross RPC the same way everywhere).
  for (const k of Object.keys(settings) as (keyof typeof settings)[]) if (settings[k] === undefined) delete settings[k];
  return {
    ...conversionRowFrom(
      person,
      { id: row.entryId, timestamp: row.timestamp },
      settings,
      identitySources(person, conversion, identityMapping).identifiers,
    ),
    key: await conversionKey(row.entryId, settings),
    origin: { audienceId: row.audienceId, conversionId: row.conversionId, personKey: row.personKey },
  };
}

/** The identifiers the mapping in force for this conversion finds on the person, and where each came from. */
export function identitySources(
  person: PersonView,
  conversion: Pick<StoredConversion, 'identityMapping'>,
  identityMapping?: IdentityMapping | null,
): { identifiers: DeliveryRow['identifiers'] & object; sources: IdentifierSource[] } {
  return resolveIdentifiers(person.attributes, effectiveMapping(identityMapping, conversion.identityMapping));
}

/**
 * Gives due rows (status 'pending') to their destinations. Called after the rows are durably stored
 * and again on later evaluations for rows not yet accepted, so it relies on the DestinationObject
 * ignoring a key it already holds. Pause and deletion after hand-off are the outbox's gate's
 * (DestinationObject.conversionGate), read when the row comes due.
 */
export async function handOff(
  env: Env,
  person: PersonView,
  rows: ConversionRow[],
  conversions: Map<string, StoredConversion>,
  identityMapping?: IdentityMapping | null,
): Promise<{ accepted: string[] }> {
  return handOffByDestination(env, rows, conversions, {
    build: (r, conversion) => deliveryRow(person, r, conversion, identityMapping),
    failure: 'conversion hand-off failed; retried on the next evaluation',
  });
}

/**
 * Rows (conversions or retractions) grouped by destination, each group built into delivery rows and
 * enqueued in one call; a row whose conversion is gone waits, and a group whose destination fails
 * is logged and left for the next evaluation. Returns the ids the destinations accepted.
 */
export async function handOffByDestination<R extends { id: string; destinationId: string; conversionId: string }>(
  env: Env,
  rows: R[],
  conversions: Map<string, StoredConversion>,
  how: { build: (row: R, conversion: StoredConversion) => Promise<DeliveryRow>; failure: string },
): Promise<{ accepted: string[] }> {
  const byDestination = new Map<string, R[]>();
  for (const row of rows) byDestination.set(row.destinationId, [...(byDestination.get(row.destinationId) ?? []), row]);
  const accepted: string[] = [];
  await Promise.all(
    [...byDestination].map(async ([destinationId, group]) => {
      const ready = group.filter((r) => conversions.has(r.conversionId));
      if (!ready.length) return;
      const delivery = await Promise.all(ready.map((r) => how.build(r, conversions.get(r.conversionId)!)));
      try {
        const result = await destinationById(env, destinationId).enqueue(delivery);
        if (result.ok) accepted.push(...ready.map((r) => r.id));
      } catch (e) {
        logError(how.failure, e);
      }
    }),
  );
  return { accepted };
}
