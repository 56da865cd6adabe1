// The identity mapping: which person attributes hold each identifier sent beside the email (phone,
// names, address parts, gender, birth date, external id, company, job title). Per identifier an
// ordered list of candidate attribute paths, the first present wins; the deployment's mapping
// (ConfigObject, /api/identity-mapping) overrides the defaults, a conversion's overrides both.
// Defaults read CRM sources only (and Segment's server-side traits): browser `traits` are untrusted.
import { getPath } from '../../shared/criteria';
import type { IdentityField } from '../../shared/normalize';
import { canonicalIdentifiers } from '../../shared/normalize-identifiers';
import {
  IDENTIFIERS,
  IDENTITY_FIELD_OF,
  type Identifier,
  type IdentityMapping,
} from '../../shared/schemas/identity-mapping';

const sf = (objects: string[], fields: string[]) => objects.flatMap((o) => fields.map((f) => `salesforce.${o}.${f}`));

/** Common CRM field names: HubSpot contact properties, Salesforce Lead / Contact fields, generic crm.*, Segment traits. */
export const DEFAULT_IDENTITY_MAPPING: Record<Identifier, string[]> = {
  phone: [
    'hubspot.phone',
    'hubspot.mobilephone',
    ...sf(['Lead', 'Contact'], ['Phone', 'MobilePhone']),
    'crm.phone',
    'crm.phone_number',
    'crm.phoneNumber',
    'crm.mobile_phone',
    'segment.phone',
    'signed_traits.phone',
  ],
  firstName: [
    'hubspot.firstname',
    ...sf(['Lead', 'Contact'], ['FirstName']),
    'crm.first_name',
    'crm.firstName',
    'segment.firstName',
    'segment.first_name',
    'signed_traits.firstName',
  ],
  lastName: [
    'hubspot.lastname',
    ...sf(['Lead', 'Contact'], ['LastName']),
    'crm.last_name',
    'crm.lastName',
    'segment.lastName',
    'segment.last_name',
    'signed_traits.lastName',
  ],
  city: [
    'hubspot.city',
    'salesforce.Lead.City',
    'salesforce.Contact.MailingCity',
    'crm.city',
    'segment.address.city',
    'signed_traits.address.city',
  ],
  region: [
    'hubspot.state',
    'salesforce.Lead.StateCode',
    'salesforce.Lead.State',
    'salesforce.Contact.MailingStateCode',
    'salesforce.Contact.MailingState',
    'crm.state',
    'crm.region',
    'segment.address.state',
    'signed_traits.address.state',
  ],
  postalCode: [
    'hubspot.zip',
    'salesforce.Lead.PostalCode',
    'salesforce.Contact.MailingPostalCode',
    'crm.zip',
    'crm.postal_code',
    'crm.postalCode',
    'segment.address.postalCode',
    'signed_traits.address.postalCode',
  ],
  countryCode: [
    'hubspot.country',
    'salesforce.Lead.CountryCode',
    'salesforce.Lead.Country',
    'salesforce.Contact.MailingCountryCode',
    'salesforce.Contact.MailingCountry',
    'crm.country_code',
    'crm.countryCode',
    'crm.country',
    'segment.address.country',
    'signed_traits.address.country',
  ],
  gender: [
    'hubspot.gender',
    'salesforce.Contact.GenderIdentity',
    'crm.gender',
    'segment.gender',
    'signed_traits.gender',
  ],
  birthDate: [
    'hubspot.date_of_birth',
    'salesforce.Contact.Birthdate',
    'crm.birthdate',
    'crm.birth_date',
    'crm.birthDate',
    'segment.birthday',
    'signed_traits.birthday',
  ],
  externalId: [
    'crm.external_id',
    'crm.externalId',
    'hubspot.hs_object_id',
    'salesforce.Contact.Id',
    'salesforce.Lead.Id',
    'crm.id',
  ],
  companyName: [
    'hubspot.company',
    'salesforce.Lead.Company',
    'salesforce.Contact.Account.Name',
    'crm.company',
    'crm.company_name',
    'crm.companyName',
    'segment.company.name',
    'segment.company',
    'signed_traits.company.name',
  ],
  jobTitle: [
    'hubspot.jobtitle',
    ...sf(['Lead', 'Contact'], ['Title']),
    'crm.job_title',
    'crm.jobTitle',
    'crm.title',
    'segment.title',
    'signed_traits.title',
  ],
};

/** The candidates in force: defaults, then the deployment's, then the conversion's, per identifier. */
export function effectiveMapping(
  deployment?: IdentityMapping | null,
  conversion?: IdentityMapping | null,
): Record<Identifier, string[]> {
  const out = { ...DEFAULT_IDENTITY_MAPPING };
  for (const layer of [deployment, conversion]) for (const id of IDENTIFIERS) if (layer?.[id]) out[id] = layer[id]!;
  return out;
}

/** How one identifier was found: its source field and raw value, or why it is absent. */
export type IdentifierSource =
  | { identifier: Identifier; field: string; value: string; skipped: { field: string; reason: string }[] }
  | { identifier: Identifier; field: null; value: null; skipped: { field: string; reason: string }[]; reason: string };

const MAX_VALUE = 256;

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Reads each identifier from the attributes. A candidate holding something that is not text (an
 * object, a list, a boolean) is skipped with its reason, never an error; numbers are read as their
 * decimal text (zip codes and phones are often stored as numbers).
 */
export function resolveIdentifiers(
  attributes: Record<string, unknown>,
  mapping: Record<Identifier, string[]>,
): { identifiers: Partial<Record<IdentityField, string>>; sources: IdentifierSource[] } {
  const identifiers: Partial<Record<IdentityField, string>> = {};
  const sources: IdentifierSource[] = [];
  for (const identifier of IDENTIFIERS) {
    const skipped: { field: string; reason: string }[] = [];
    let found: { field: string; value: string } | null = null;
    for (const field of mapping[identifier]) {
      const v = getPath(attributes, field);
      if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) continue;
      const text = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
      if (text === null) skipped.push({ field, reason: `holds ${describe(v)}, not text` });
      else if (text.length > MAX_VALUE) skipped.push({ field, reason: `longer than ${MAX_VALUE} characters` });
      else {
        found = { field, value: text };
        break;
      }
    }
    if (found) {
      identifiers[IDENTITY_FIELD_OF[identifier]] = found.value;
      sources.push({ identifier, ...found, skipped });
    } else {
      const reason = !mapping[identifier].length
        ? 'not mapped'
        : skipped.length
          ? 'no candidate field holds text'
          : 'none of the candidate fields is present';
      sources.push({ identifier, field: null, value: null, skipped, reason });
    }
  }
  // Country names become codes and national phones E.164 (with the person's country) before any platform's rules.
  return { identifiers: canonicalIdentifiers(identifiers), sources };
}
