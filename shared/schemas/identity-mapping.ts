// Wire schema of the identity mapping (GET/PUT /api/identity-mapping, and a conversion's
// `identityMapping` override): for each identifier, the ordered attribute paths that may hold it;
// the first present wins. An identifier left out keeps the deployment's (or the default) candidates;
// an empty list turns it off.
import { z } from 'zod';
import type { IdentityField } from '../normalize';
import { fieldPathSchema } from './audience';

export const IDENTIFIERS = [
  'phone',
  'firstName',
  'lastName',
  'city',
  'region',
  'postalCode',
  'countryCode',
  'gender',
  'birthDate',
  'externalId',
  'companyName',
  'jobTitle',
] as const;
export type Identifier = (typeof IDENTIFIERS)[number];

/** The normalization field each identifier is hashed as (shared/normalize.ts). */
export const IDENTITY_FIELD_OF: Record<Identifier, IdentityField> = {
  phone: 'phone',
  firstName: 'first_name',
  lastName: 'last_name',
  city: 'city',
  region: 'state',
  postalCode: 'zip',
  countryCode: 'country',
  gender: 'gender',
  birthDate: 'birthdate',
  externalId: 'external_id',
  companyName: 'company_name',
  jobTitle: 'job_title',
};

export const MAX_CANDIDATES = 20;

const candidates = z
  .array(fieldPathSchema)
  .max(MAX_CANDIDATES, `at most ${MAX_CANDIDATES} candidate fields per identifier`);

export const identityMappingSchema = z.strictObject(
  Object.fromEntries(IDENTIFIERS.map((id) => [id, candidates.optional()])) as Record<
    Identifier,
    z.ZodOptional<typeof candidates>
  >,
);

export type IdentityMapping = Partial<Record<Identifier, string[]>>;
