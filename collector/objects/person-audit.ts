// The audit of one person's membership in one audience (the member audit's per-person part): the
// values the criteria read, the entry that counts, and per conversion why it would be skipped or the
// delivery row its destination's builder turns into the payload (collector/audiences/audit.ts).
import { fieldsUsed, getPath, membership, type NonMemberReason } from '../../shared/criteria';
import { toEpochSeconds } from '../../shared/time';
import type { Env } from '../env';
import { personKey } from '../identity';
import { describeValue } from '../audiences/describe-value';
import { attributesFor, rowFor } from '../audiences/entry-rules';
import { deliveryRow, identitySources } from '../audiences/hand-off';
import type { IdentifierSource } from '../audiences/identity-mapping';
import type { AudienceConfig, AuditSkip, ConversionStatus, Entry, SkipReason } from '../audiences/types';
import type { ConversionRow as DeliveryRow } from '../delivery/types';
import type { PersonAudienceStore } from './person-audience-store';
import type { PersonStore } from './person-store';

export interface PersonAudit {
  personKey: string;
  email: string;
  member: boolean;
  reason: NonMemberReason | null;
  /** The timestamp attribute, parsed (epoch seconds), or null. */
  timestamp: number | null;
  /** The attribute values the criteria and the timestamp read. */
  values: Record<string, { value: unknown; parsed?: string }>;
  entries: Entry[];
  /**
   * Per conversion configured, for the entry that counts: why it would be skipped, or the delivery
   * row that the destination's own builder turns into the payload (collector/audiences/audit.ts).
   */
  conversions: ({
    conversionId: string;
    destinationId: string;
    entryId: string | null;
    status: ConversionStatus | null;
  } & ({ row: DeliveryRow; identity: IdentifierSource[] } | { skip: AuditSkip; detail: string }))[];
}

/** The audit view of this person for one audience, or null when the person or audience is unknown. */
export async function auditPerson(
  env: Env,
  people: PersonStore,
  store: PersonAudienceStore,
  cfg: AudienceConfig,
  audienceId: string,
  now: number,
): Promise<PersonAudit | null> {
  const audience = cfg.audiences.find((a) => a.id === audienceId);
  const person = people.person();
  if (!audience || !person) return null;
  const key = person.key ?? (await personKey(env, person.email));
  const attributes = attributesFor(audience, people.attributes().attributes);
  const m = membership(audience, attributes, now);
  const values: PersonAudit['values'] = {};
  for (const field of [...fieldsUsed(audience.criteria), audience.timestamp.field])
    values[field] = describeValue(getPath(attributes, field));
  const entries = store.entries(audienceId);
  // Under `once` the first entry is the one that counts; otherwise the newest.
  const counting = audience.reentry === 'once' ? entries[0] : entries[entries.length - 1];
  const consent = people.consent();
  const view = people.personView();
  const conversions: PersonAudit['conversions'] = [];
  for (const conversion of audience.conversions) {
    const base = { conversionId: conversion.id, destinationId: conversion.destinationId };
    if (!counting) {
      conversions.push({
        ...base,
        entryId: null,
        status: null,
        skip: 'no_entry',
        detail: 'the person has no entry in this audience',
      });
      continue;
    }
    const row = store.conversion(counting.id, conversion.id);
    const decision = row ?? rowFor(counting, conversion, audience, now, consent);
    const at = { ...base, entryId: counting.id, status: row?.status ?? null };
    if (decision.status === 'cancelled') {
      conversions.push({ ...at, skip: 'cancelled', detail: SKIP_DETAIL.cancelled });
      continue;
    }
    if (decision.status === 'skipped') {
      const reason = decision.reason ?? 'outside_window';
      conversions.push({ ...at, skip: reason, detail: SKIP_DETAIL[reason] });
      continue;
    }
    // Built exactly as the hand-off builds it (the person's full attributes, as delivery reads them).
    conversions.push({
      ...at,
      row: await deliveryRow(
        view,
        {
          entryId: counting.id,
          timestamp: counting.timestamp,
          audienceId,
          conversionId: conversion.id,
          personKey: key,
        },
        conversion,
        cfg.identityMapping,
      ),
      identity: identitySources(view, conversion, cfg.identityMapping).sources,
    });
  }
  return {
    personKey: key,
    email: person.email,
    member: m.member,
    reason: m.reason ?? null,
    timestamp: m.timestampMs === null ? null : toEpochSeconds(m.timestampMs),
    values,
    entries,
    conversions,
  };
}

const SKIP_DETAIL: Record<SkipReason | 'cancelled', string> = {
  cancelled: 'the audience or conversion was deleted before this was sent',
  outside_window: "the entry's timestamp is outside the audience window",
  existing_entry: 'entered before this conversion was turned on, and sendExisting is false',
  consent_denied: 'the person denied ads consent',
  no_matchable_identifier: 'no email and no click ID to match on',
  older_than_platform_allows: 'the event is older than the platform accepts',
  reversed: 'the person left the audience for a reason marked as a reversal before it was sent',
};
