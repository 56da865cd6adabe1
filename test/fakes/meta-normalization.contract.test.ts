// Meta user_data hashing against Meta's own Node SDK, facebook-nodejs-business-sdk 24.0.1
// (ServerSideUtils.normalizeAndHash, which UserData.normalize() calls per field): for every input the
// SDK hashes, ours is the same hash; where the SDK hashes a value Meta can never match, ours is null
// or better (documented departures in shared/normalize.ts).
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/meta-normalization.json';
import { hashFor, META_FIELD_OF, type IdentityField, type MetaField } from '../../shared/normalize';
import { canonicalIdentifiers } from '../../shared/normalize-identifiers';
import { meta } from '../../collector/destinations/meta';
import { metaSettingsSchema } from '../../shared/schemas/destinations';

const sdk = createRequire(import.meta.url)('facebook-nodejs-business-sdk') as {
  ServerSideUtils: { normalizeAndHash(input: string, field: string): string | null };
  UserData: new () => Record<string, (...a: unknown[]) => unknown> & { normalize(): Record<string, unknown> };
};

/** The SDK's hash, or 'refused' when it throws. */
function sdkHash(input: string, field: MetaField): string | null | 'refused' {
  try {
    return sdk.ServerSideUtils.normalizeAndHash(input, field);
  } catch {
    return 'refused';
  }
}

const FIELD_OF = Object.fromEntries(Object.entries(META_FIELD_OF).map(([k, v]) => [v, k])) as Record<
  MetaField,
  IdentityField
>;
const ours = (input: string, field: MetaField) => hashFor('meta', FIELD_OF[field], input);

// Inputs per field the SDK hashes into something Meta can match (its own format rules met).
const samples: Record<Exclude<MetaField, 'em' | 'external_id' | 'db'>, fc.Arbitrary<string>> = {
  ph: fc.oneof(
    fc.constantFrom(
      '+1 (650) 555-1212',
      '+44 20 7946 0958',
      '001-650-555-1212',
      '+33 1 23 45 67 89',
      '+91 98765 43210',
    ),
    fc.stringMatching(/^\+[1-9]\d{7,12}$/),
  ),
  fn: fc.oneof(
    fc.constantFrom('Mary-Jane', 'JOSÉ', "O'Brien", ' Zoë ', 'Łukasz'),
    fc.stringMatching(/^[A-Za-z][A-Za-z' -]{0,20}$/),
  ),
  ln: fc.oneof(
    fc.constantFrom('Van der Berg', 'SMITH-JONES', 'Müller'),
    fc.stringMatching(/^[A-Za-z][A-Za-z' -]{0,20}$/),
  ),
  ct: fc.oneof(
    fc.constantFrom('San Francisco', 'New York City', 'Saint-Étienne'),
    fc.stringMatching(/^[A-Za-z][A-Za-z .-]{0,20}$/),
  ),
  st: fc.oneof(
    fc.constantFrom('California', 'CA', 'ny', 'Île-de-France'),
    fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,15}$/),
  ),
  zp: fc.oneof(fc.constantFrom('94025-1234', 'SW1A 1AA', '10115', '75008'), fc.stringMatching(/^[0-9A-Z]{2,8}$/)),
  country: fc.constantFrom('US', 'de', 'Fr', 'gb', 'JP', 'br'),
  ge: fc.constantFrom('f', 'F', 'female', 'Male', 'm', ' M '),
};

describe('Meta user_data hashing equals facebook-nodejs-business-sdk 24.0.1', () => {
  it('on every known-answer vector (test/vectors/meta-normalization.json) the SDK agrees with the vector and with us', async () => {
    for (const c of vectors.cases as { field: MetaField; input: string; sha256?: string; refused?: boolean }[]) {
      const theirs = sdkHash(c.input, c.field);
      if (c.refused) {
        expect(theirs, `${c.field} ${c.input}`).toBe('refused');
        expect(await ours(c.input, c.field)).toBeNull();
      } else {
        expect(theirs, `${c.field} ${c.input}`).toBe(c.sha256);
        expect(await ours(c.input, c.field), `${c.field} ${c.input}`).toBe(c.sha256);
      }
    }
  });

  for (const [field, arb] of Object.entries(samples) as [MetaField, fc.Arbitrary<string>][]) {
    it(`${field}: the same hash as the SDK for every input it hashes`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, async (input) => {
          const theirs = sdkHash(input, field);
          fc.pre(theirs !== 'refused' && theirs !== null);
          expect(await ours(input, field)).toBe(theirs);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('em, external_id, db: the SDK’s hash for valid values (YYYYMMDD dates; external ids trimmed and lowercased)', async () => {
    for (const em of ['jane.doe@example.com', ' JOHN@EXAMPLE.ORG ', 'a+b@sub.example.co.uk'])
      expect(await ours(em, 'em')).toBe(sdkHash(em, 'em'));
    for (const id of ['CRM-42', ' abc_123 ', '0012345'])
      expect(await ours(id, 'external_id')).toBe(sdkHash(id, 'external_id'));
    for (const db of ['19900131', '20011231']) expect(await ours(db, 'db')).toBe(sdkHash(db, 'db'));
  });

  it('the Meta builder sends, for CRM values, what UserData.normalize() sends for the same canonical values', async () => {
    const raw = {
      phone: '+1 (650) 555-1212',
      first_name: 'JOSÉ',
      last_name: 'Van der Berg',
      city: 'San Francisco',
      state: 'CA',
      zip: '94025-1234',
      country: 'United States',
      gender: 'Female',
      birthdate: '19900131',
      external_id: 'CRM-42',
    };
    const ids = canonicalIdentifiers(raw);
    const now = Date.UTC(2026, 10, 20, 12);
    const prepared = await meta.prepare(
      {
        id: 'e'.repeat(32),
        eventTime: now / 1000 - 60,
        email: 'Jane@Example.com',
        identifiers: ids,
        touches: [],
        devices: [],
        attributes: {},
        conversion: {},
      },
      metaSettingsSchema.parse({ pixelId: '1', accessToken: 'EAA12345678' }),
      now,
    );
    expect(prepared.ok).toBe(true);
    const u = new sdk.UserData();
    u.setEmail('jane@example.com');
    u.setPhone(ids.phone);
    u.setFirstName(ids.first_name);
    u.setLastName(ids.last_name);
    u.setCity(ids.city);
    u.setState(ids.state);
    u.setZip(ids.zip);
    u.setCountry(ids.country);
    u.setGender(ids.gender);
    u.setDateOfBirth(ids.birthdate);
    const theirs = u.normalize() as Record<string, string[]>;
    const user = (prepared as unknown as { item: { user_data: Record<string, string | string[]> } }).item.user_data;
    for (const k of ['em', 'ph', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'ge', 'db'])
      expect([user[k]].flat(), k).toEqual(theirs[k]);
    // external_id: UserData passes it through unhashed; we send the SDK's normalizeAndHash of it (Meta recommends hashing).
    expect(user.external_id).toEqual([sdkHash('CRM-42', 'external_id')]);
  });
});
