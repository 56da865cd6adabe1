import { sha256Hex } from '../../shared/normalize';
// The seam between a person's state and a destination: an audience entry of a person, turned into
// the ConversionRow the destination builders take. Pure; the PersonObject calls it with its snapshot.
import type { IdentityField } from '../../shared/normalize';
import type { ConversionConfig, ConversionRow } from './types';
import type { ConsentState } from '../../shared/schemas/collect';

export interface PersonView {
  email: string;
  consent: { ads: ConsentState } | null;
  attributes: Record<string, unknown>;
  touches: {
    kind: string;
    value: string;
    firstSeen: number;
    landingUrl: string | null;
    raw: string | null;
    anonymousId?: string | null;
  }[];
  devices: {
    anonymousId: string;
    ip: string | null;
    userAgent: string | null;
    country?: string | null;
    lastSeen: number;
  }[];
}

/** `identifiers`: the raw values the identity mapping found (audiences/identity-mapping.ts resolveIdentifiers). */
export function conversionRowFrom(
  person: PersonView,
  entry: { id: string; timestamp: number },
  conversion: ConversionConfig,
  identifiers: Partial<Record<IdentityField, string>> = {},
): ConversionRow {
  return {
    id: entry.id,
    eventTime: entry.timestamp,
    email: person.email,
    ...(Object.keys(identifiers).length ? { identifiers } : {}),
    // Denied ads consent: no click ids travel (ARCHITECTURE §4); the builders skip the row anyway.
    touches:
      person.consent?.ads === 'denied'
        ? []
        : person.touches.map((t) => ({
            kind: t.kind,
            value: t.value,
            firstSeen: t.firstSeen,
            raw: t.raw,
            landingUrl: t.landingUrl,
            anonymousId: t.anonymousId ?? null,
          })),
    devices: person.devices.map((d) => ({
      anonymousId: d.anonymousId,
      ip: d.ip,
      userAgent: d.userAgent,
      country: d.country ?? null,
      lastSeen: d.lastSeen,
    })),
    attributes: person.attributes,
    consent: person.consent?.ads ?? 'unknown',
    conversion,
  };
}

/**
 * The row's key in its destination's outbox. Two conversions of one audience on one destination
 * are two platform conversions only when they differ in what the platform counts by (Meta's event
 * name, the conversion action / rule / goal): those get `<entry id>:<8 hex>`; everything else keys
 * by the entry id alone, so turning a conversion off and on again never sends an entry twice.
 */
export async function conversionKey(entryId: string, conversion: ConversionConfig): Promise<string> {
  const eventName = conversion.eventName && conversion.eventName !== 'Lead' ? conversion.eventName : '';
  const action = conversion.conversionAction ?? '';
  if (!eventName && !action) return entryId;
  return `${entryId}:${(await sha256Hex(`${eventName}|${action}`)).slice(0, 8)}`;
}
