import { describe, expect, it } from 'vitest';
import { conversionPatchSchema, conversionSchema } from './conversion';
import { destinationSchema } from './destinations';

const ads = (apiVersion?: string) => ({
  type: 'google_ads',
  name: 'Ads',
  settings: {
    customerId: '1234567890',
    conversionActionId: '5',
    clientId: 'c',
    clientSecret: 'secret-123',
    refreshToken: 'refresh-123',
    ...(apiVersion ? { apiVersion } : {}),
  },
});

describe('Google conversion action, normalized once at the schema', () => {
  it('takes the ID or the resource name Google Ads shows, and keeps the ID', () => {
    expect(conversionSchema.parse({ destinationId: 'd', conversionAction: '456' }).conversionAction).toBe('456');
    expect(
      conversionSchema.parse({ destinationId: 'd', conversionAction: ' customers/1234567890/conversionActions/456 ' })
        .conversionAction,
    ).toBe('456');
    expect(
      conversionPatchSchema.parse({ conversionAction: 'customers/1/conversionActions/789' }).conversionAction,
    ).toBe('789');
  });

  it('keeps other platforms’ values (Microsoft goal names, LinkedIn URNs) as given', () => {
    expect(conversionSchema.parse({ destinationId: 'd', conversionAction: 'Qualified lead' }).conversionAction).toBe(
      'Qualified lead',
    );
    expect(
      conversionSchema.parse({ destinationId: 'd', conversionAction: 'urn:lla:llaPartnerConversion:12' })
        .conversionAction,
    ).toBe('urn:lla:llaPartnerConversion:12');
  });

  it('refuses a malformed resource name, naming the field', () => {
    for (const bad of [
      'customers/1/conversionActions/customers/1/conversionActions/456',
      'customers/1/conversionActions/abc',
      'customers/1',
    ]) {
      const r = conversionSchema.safeParse({ destinationId: 'd', conversionAction: bad });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(['conversionAction']);
      expect(r.error!.issues[0]!.message).toMatch(/conversionActions/);
    }
  });
});

describe('Google Ads API version', () => {
  it('defaults to the newest version the contract tests check (v25)', () => {
    expect(destinationSchema.parse(ads()).settings).toMatchObject({ apiVersion: 'v25' });
    expect(destinationSchema.parse(ads('v26')).settings).toMatchObject({ apiVersion: 'v26' });
    expect(destinationSchema.parse(ads('v23')).settings).toMatchObject({ apiVersion: 'v23' });
  });

  it('refuses versions Google has sunset and versions not known to this release, saying which work', () => {
    for (const [v, pattern] of [
      ['v22', /sunset.*2026-10-07/],
      ['v19', /sunset/],
      ['v99', /not one this release is tested against/],
      ['26', /looks like/],
    ] as const) {
      const r = destinationSchema.safeParse(ads(v));
      expect(r.success, v).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(['settings', 'apiVersion']);
      expect(r.error!.issues[0]!.message).toMatch(pattern);
      expect(r.error!.issues[0]!.message).toContain('v23, v24, v25, v26');
    }
  });
});
