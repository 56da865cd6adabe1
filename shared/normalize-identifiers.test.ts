// Known answers per platform (test/vectors/*.json, transcribed from each platform's published rules and
// hashed independently of this code) against our normalization.
import { describe, expect, it } from 'vitest';
import googleAdsVectors from '../test/vectors/google-ads.json';
import dataManagerVectors from '../test/vectors/google-data-manager.json';
import linkedinVectors from '../test/vectors/linkedin.json';
import microsoftVectors from '../test/vectors/microsoft.json';
import { hashFor, normalizeFor, type HashPlatform, type IdentityField } from './normalize';
import {
  canonicalPhone,
  countryCodeOf,
  googleFamilyName,
  googleGivenName,
  googleHashedAddress,
  googlePostalCode,
  linkedinUserInfo,
} from './normalize-identifiers';

type Case = {
  field: string;
  input: string;
  country?: string;
  normalized: string | null;
  sha256?: string;
  hashed?: boolean;
};

/** Email and phone as a builder gets them: the phone made canonical with the person's country first. */
async function hashed(platform: HashPlatform, c: Case): Promise<{ normalized: string | null; sha256: string | null }> {
  const field = c.field as IdentityField;
  const value = field === 'phone' ? canonicalPhone(c.input, c.country) : c.input;
  return { normalized: normalizeFor(platform, field, value), sha256: await hashFor(platform, field, value) };
}

describe('Google Data Manager formatting (test/vectors/google-data-manager.json)', () => {
  for (const c of dataManagerVectors.cases as Case[]) {
    it(`${c.field} ${JSON.stringify(c.input)}${c.country ? ` (${c.country})` : ''}`, async () => {
      if (c.field === 'email' || c.field === 'phone') {
        expect(await hashed('google', c)).toEqual({ normalized: c.normalized, sha256: c.sha256 ?? null });
        return;
      }
      const normalized = {
        given_name: () => googleGivenName(c.input),
        family_name: () => googleFamilyName(c.input),
        region_code: () => countryCodeOf(c.input)?.toUpperCase() ?? null,
        postal_code: () => googlePostalCode(c.input, c.country!),
      }[c.field]!();
      expect(normalized).toBe(c.normalized);
    });
  }

  it('the address identifier: names hashed, region and postal code in clear, all four or none', async () => {
    const byField = (f: string) => (dataManagerVectors.cases as Case[]).find((c) => c.field === f && c.normalized)!;
    expect(
      await googleHashedAddress({ first_name: 'Mrs. Jane', last_name: 'Doe Jr.', country: 'us', zip: '94025-1234' }),
    ).toEqual({
      givenName: (dataManagerVectors.cases as Case[]).find((c) => c.input === 'Mrs. Jane')!.sha256,
      familyName: (dataManagerVectors.cases as Case[]).find((c) => c.input === 'Doe Jr.')!.sha256,
      regionCode: 'US',
      postalCode: '94025-1234',
    });
    expect(byField('region_code').hashed).toBe(false);
    expect(await googleHashedAddress({ first_name: 'Jane', last_name: 'Doe', country: 'us' })).toBeNull();
    expect(
      await googleHashedAddress({ first_name: 'Jane', last_name: 'Doe', country: 'Narnia', zip: '1234' }),
    ).toBeNull();
  });
});

describe('Google Ads API userIdentifiers (test/vectors/google-ads.json)', () => {
  for (const c of googleAdsVectors.cases as Case[])
    it(`${c.field} ${JSON.stringify(c.input)}`, async () =>
      expect(await hashed('google', c)).toEqual({ normalized: c.normalized, sha256: c.sha256 ?? null }));
});

describe('Microsoft Advertising hashed identifiers (test/vectors/microsoft.json)', () => {
  for (const c of microsoftVectors.cases as Case[])
    it(`${c.field} ${JSON.stringify(c.input)}`, async () =>
      expect(await hashed('microsoft', c)).toEqual({ normalized: c.normalized, sha256: c.sha256 ?? null }));
});

describe('LinkedIn user (test/vectors/linkedin.json)', () => {
  it('SHA256_EMAIL', async () => {
    for (const c of linkedinVectors.emails) expect(await hashFor('linkedin', 'email', c.input)).toBe(c.sha256);
  });
  it('userInfo in plain text, first and last name both required', () => {
    for (const c of linkedinVectors.userInfo)
      expect(linkedinUserInfo(c.input as Partial<Record<IdentityField, string>>)).toEqual(c.userInfo);
  });
});

describe('canonical identifiers', () => {
  it('country names and codes to ISO alpha-2', () => {
    expect(
      [
        'US',
        'usa',
        'United States',
        'united states of america',
        ' Germany ',
        'Deutschland',
        'UK',
        'United Kingdom',
        'Côte d’Ivoire',
      ].map(countryCodeOf),
    ).toEqual(['us', 'us', 'us', 'us', 'de', 'de', 'gb', 'gb', 'ci']);
    expect(countryCodeOf('Narnia')).toBeNull();
  });
  it('a national phone takes the calling code of the person’s country; one that cannot be normalized stays as written (and every platform then refuses it)', () => {
    expect(canonicalPhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(canonicalPhone('+49 (0)30 1234567', 'FR')).toBe('+49301234567');
    expect(canonicalPhone('555-0100', 'US')).toBe('555-0100');
    expect(canonicalPhone('12345', 'Narnia')).toBe('12345');
  });
});
