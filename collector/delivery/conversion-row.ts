// The seam between a person's state and a destination: an audience entry of a person, turned into
// the ConversionRow the destination builders take. Pure; the PersonObject calls it with its snapshot.
import { getPath } from '../../shared/criteria';
import type { IdentityField } from '../../shared/normalize';
import type { ConversionConfig, ConversionRow } from './types';

/** Which attribute (dotted path, e.g. crm.phone) holds each extra identity field. */
export type IdentifierMapping = Partial<Record<IdentityField, string>>;

export interface PersonView {
  email: string;
  consent: { ads: 'granted' | 'denied' | 'unknown' } | null;
  attributes: Record<string, unknown>;
  touches: { kind: string; value: string; firstSeen: number; landingUrl: string | null; raw: string | null; anonymousId?: string | null }[];
  devices: { anonymousId: string; ip: string | null; userAgent: string | null; lastSeen: number }[];
}

export function conversionRowFrom(person: PersonView, entry: { id: string; timestamp: number }, conversion: ConversionConfig, mapping: IdentifierMapping = {}): ConversionRow {
  const identifiers: Partial<Record<IdentityField, string>> = {};
  for (const [field, path] of Object.entries(mapping) as [IdentityField, string][]) {
    const v = getPath(person.attributes, path);
    if (typeof v === 'string' && v.trim()) identifiers[field] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) identifiers[field] = String(v);
  }
  return {
    id: entry.id,
    eventTime: entry.timestamp,
    email: person.email,
    ...(Object.keys(identifiers).length ? { identifiers } : {}),
    // Denied ads consent: no click ids travel (ARCHITECTURE §4); the builders skip the row anyway.
    touches: person.consent?.ads === 'denied' ? [] : person.touches.map((t) => ({ kind: t.kind, value: t.value, firstSeen: t.firstSeen, raw: t.raw, landingUrl: t.landingUrl, anonymousId: t.anonymousId ?? null })),
    devices: person.devices.map((d) => ({ anonymousId: d.anonymousId, ip: d.ip, userAgent: d.userAgent, lastSeen: d.lastSeen })),
    attributes: person.attributes,
    consent: person.consent?.ads ?? 'unknown',
    conversion,
  };
}
