// CRM identifiers reach every platform: the identity mapping (defaults over HubSpot / Salesforce /
// crm fields, the deployment's mapping, a conversion's override) fills the delivery row, each builder
// sends what its API takes, the member audit says where each identifier came from or why it is absent.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/normalize';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  GOOGLE_SETTINGS,
  json,
  META_SETTINGS,
  send,
  settled,
  turnOn,
  upsert,
  until,
} from './audiences-helpers';

// Known answers from test/vectors/meta-normalization.json (Meta's own SDK).
const META = {
  ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176', // +1 (650) 555-1212
  fn: 'd994e1d001886fe5b45b1267bd1fa2b752ac50742579bd3dad7b2a2aa0ed6866', // JOSÉ
  ln: 'a6fe68a719fbd8e4466cb6992d9a64dd1f6837e26dfc5a024f1393f51d3737c0', // Van der Berg
  ct: '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac', // San Francisco
  st: '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126', // CA
  zp: 'b9a9cf3cd3723a2e91b7c23ecf68456e872b6e5d86e5cab7f3d45a7302da32c7', // 94025-1234
  country: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621', // US
};
const LINKEDIN = { conversionId: '4242', accessToken: 'AQX-linkedin-token-123', apiVersion: '202610' };
const MICROSOFT = {
  customerId: '111',
  accountId: '222',
  conversionGoalName: 'MQL',
  developerToken: 'dev-token-123456',
  clientId: 'client-id',
  refreshToken: 'refresh-token-123',
};

async function hubspotPerson(email: string, now: number, extraCrm: Record<string, unknown> = {}) {
  await upsert(
    email,
    'hubspot',
    {
      phone: '+1 (650) 555-1212',
      firstname: 'JOSÉ',
      lastname: 'Van der Berg',
      city: 'San Francisco',
      state: 'CA',
      zip: '94025-1234',
      country: 'United States',
      gender: 'Female',
      date_of_birth: '1990-01-31',
      company: 'Acme Inc',
      jobtitle: 'Head of Growth',
    },
    now,
  );
  await upsert(
    email,
    'crm',
    { external_id: 'CRM-42', lifecycle: 'mql', mql_at: new Date(now - DAY).toISOString(), ...extraCrm },
    now,
  );
}

describe('identity mapping', { timeout: 90_000 }, () => {
  it('sends every CRM identifier each platform takes, normalized and hashed as the platform does; the audit names each source', async () => {
    const now = Date.now();
    const email = `ident-${now}@example.com`;
    const audience = await createAudience({
      name: 'MQL ident',
      criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
      timestamp: { field: 'crm.mql_at', withinDays: 7 },
    });
    const meta = await destination('meta', META_SETTINGS);
    const dm = await destination('google_data_manager', GOOGLE_SETTINGS);
    const ads = await destination('google_ads', GOOGLE_SETTINGS);
    const li = await destination('linkedin', LINKEDIN);
    const ms = await destination('microsoft_ads', MICROSOFT);
    for (const d of [meta, dm, ads, li, ms])
      await turnOn(audience.id, { destinationId: d, ...(d === ads || d === dm ? { conversionAction: '777' } : {}) });
    await hubspotPerson(email, now);
    await settled(audience.id);

    const members = await json(await api(`/api/audiences/${audience.id}/members`));
    const member = members.members.find((m: any) => m.email === email);
    const by = (d: string) => member.conversions.find((c: any) => c.destinationId === d);
    expect(by(meta).payload.user_data).toMatchObject({
      ...META,
      ph: [META.ph],
      ge: await sha256Hex('f'),
      db: await sha256Hex('19900131'),
      external_id: [await sha256Hex('crm-42')],
    });
    const phone = await sha256Hex('+16505551212');
    expect(by(dm).payload.userData.userIdentifiers).toEqual([
      { emailAddress: await sha256Hex(email) },
      { phoneNumber: phone },
      {
        address: {
          givenName: await sha256Hex('josé'),
          familyName: await sha256Hex('van der berg'),
          regionCode: 'US',
          postalCode: '94025-1234',
        },
      },
    ]);
    // The Ads API upload takes hashed email and phone only (addressInfo is refused there).
    expect(by(ads).payload.userIdentifiers).toEqual([
      { userIdentifierSource: 'FIRST_PARTY', hashedEmail: await sha256Hex(email) },
      { userIdentifierSource: 'FIRST_PARTY', hashedPhoneNumber: phone },
    ]);
    expect(by(ms).payload).toMatchObject({ HashedEmailAddress: await sha256Hex(email), HashedPhoneNumber: phone });
    expect(by(li).payload.user.userInfo).toEqual({
      firstName: 'JOSÉ',
      lastName: 'Van der Berg',
      companyName: 'Acme Inc',
      title: 'Head of Growth',
      countryCode: 'US',
    });
    // The match keys each payload carries (no click ID or device for this CRM-only person).
    expect(by(meta).matchKeys).toEqual(['email', 'phone', 'name_address', 'external_id']);
    expect(by(dm).matchKeys).toEqual(['email', 'phone', 'name_address']);
    expect(by(li).matchKeys).toEqual(['email', 'name_address']);
    expect(by(ms).matchKeys).toEqual(['email', 'phone']);
    // Where each identifier came from.
    const identity = by(meta).identity as { identifier: string; field: string | null }[];
    expect(Object.fromEntries(identity.map((s) => [s.identifier, s.field]))).toMatchObject({
      phone: 'hubspot.phone',
      firstName: 'hubspot.firstname',
      countryCode: 'hubspot.country',
      externalId: 'crm.external_id',
      companyName: 'hubspot.company',
    });

    // The hand-off sends the same: the Meta row in the delivery log carries them.
    const log = await until(
      async () => json(await api(`/api/conversions?audience=${audience.id}&destination=${meta}`)),
      (b: any) => b.conversions?.length === 1,
      'meta row in the log',
    );
    expect(log.conversions[0].event.user_data).toMatchObject({
      ph: [META.ph],
      fn: META.fn,
      zp: META.zp,
      country: META.country,
    });
    expect(log.conversions[0].matchKeys).toEqual(['email', 'phone', 'name_address', 'external_id']);
  });

  it('a mapping to a field that holds no text is skipped with its reason; an unusable phone is left out, never sent raw', async () => {
    const now = Date.now();
    const email = `ident-bad-${now}@example.com`;
    const put = await send('/api/identity-mapping', 'PUT', {
      mapping: { jobTitle: ['crm.title_obj', 'hubspot.jobtitle'], phone: ['crm.bad_phone'] },
    });
    expect(put.status).toBe(200);
    try {
      const audience = await createAudience({
        name: 'MQL ident bad',
        criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
        timestamp: { field: 'crm.mql_at', withinDays: 7 },
      });
      const dm = await destination('google_data_manager', GOOGLE_SETTINGS);
      const ms = await destination('microsoft_ads', MICROSOFT);
      const li = await destination('linkedin', LINKEDIN);
      for (const d of [dm, ms, li]) await turnOn(audience.id, { destinationId: d });
      await hubspotPerson(email, now, { title_obj: { name: 'CTO' }, bad_phone: 'call me maybe' });
      await settled(audience.id);
      const members = await json(await api(`/api/audiences/${audience.id}/members`));
      const member = members.members.find((m: any) => m.email === email);
      const by = (d: string) => member.conversions.find((c: any) => c.destinationId === d);
      const identity = by(li).identity as { identifier: string; field: string | null; skipped: unknown[] }[];
      expect(identity.find((s) => s.identifier === 'jobTitle')).toMatchObject({
        field: 'hubspot.jobtitle',
        skipped: [{ field: 'crm.title_obj', reason: 'holds an object, not text' }],
      });
      expect(by(li).payload.user.userInfo.title).toBe('Head of Growth');
      // "call me maybe" is no phone: no platform receives it, in clear or hashed, and the row still goes.
      expect(by(dm).payload.userData.userIdentifiers.some((u: any) => 'phoneNumber' in u)).toBe(false);
      expect(by(ms).payload).not.toHaveProperty('HashedPhoneNumber');
      expect(JSON.stringify(member.conversions)).not.toContain(await sha256Hex('call me maybe'));
    } finally {
      await send('/api/identity-mapping', 'PUT', { mapping: {} });
    }
  });

  it('GET/PUT /api/identity-mapping: defaults, validation with the field named, a conversion override, and the preview on a person', async () => {
    const initial = await json(await api('/api/identity-mapping'));
    expect(initial.mapping).toEqual({});
    expect(initial.effective.phone[0]).toBe('hubspot.phone');
    expect(initial.defaults.region).toContain('salesforce.Lead.State');
    const bad = await send('/api/identity-mapping', 'PUT', { mapping: { phone: ['crm..phone'], nickname: ['x'] } });
    expect(bad.status).toBe(400);
    const err = await json(bad);
    expect(err.error.code).toBe('invalid_identity_mapping');
    expect(err.error.issues.map((i: any) => i.path)).toEqual(expect.arrayContaining(['mapping.phone.0']));

    const now = Date.now();
    const email = `ident-preview-${now}@example.com`;
    await hubspotPerson(email, now, { mobile: '020 7946 0958', country_code: 'gb' });
    const meta = await destination('meta', META_SETTINGS);
    const preview = await json(
      await send('/api/identity-mapping/preview', 'POST', {
        email,
        mapping: { phone: ['crm.mobile'], countryCode: ['crm.country_code'] },
      }),
    );
    const phone = preview.identifiers.find((s: any) => s.identifier === 'phone');
    // A national number with the person's country known becomes E.164.
    expect(phone).toMatchObject({
      field: 'crm.mobile',
      value: '020 7946 0958',
      normalized: { google: '+442079460958', microsoft: '+442079460958', meta: '442079460958' },
    });
    expect(preview.destinations.find((d: any) => d.id === meta).payload.user_data.ph).toEqual([
      await sha256Hex('442079460958'),
    ]);
    // Its match coverage on Meta's priority: email 3 + phone 1.5 + name 0.5 + external id 0.5.
    expect(preview.destinations.find((d: any) => d.id === meta).coverage).toEqual({
      keys: ['email', 'phone', 'name_address', 'external_id'],
      originatingClick: null,
      score: 5.5,
      scheme: 'meta_emq',
    });
    // Saved mapping untouched by a preview.
    expect((await json(await api('/api/identity-mapping'))).mapping).toEqual({});
    expect((await send('/api/identity-mapping/preview', 'POST', { email: 'nobody-here@example.com' })).status).toBe(
      404,
    );

    // A conversion's override wins over the deployment's mapping.
    const audience = await createAudience({
      name: 'MQL ident override',
      criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
      timestamp: { field: 'crm.mql_at', withinDays: 7 },
    });
    await turnOn(audience.id, {
      destinationId: meta,
      identityMapping: { phone: ['crm.mobile'], countryCode: ['crm.country_code'] },
    });
    await settled(audience.id);
    const members = await json(await api(`/api/audiences/${audience.id}/members`));
    const cv = members.members.find((m: any) => m.email === email).conversions[0];
    expect(cv.payload.user_data.ph).toEqual([await sha256Hex('442079460958')]);
    expect(cv.payload.user_data.country).toBe(await sha256Hex('gb'));
  });
});
