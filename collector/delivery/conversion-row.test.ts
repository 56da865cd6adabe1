import { describe, expect, it } from 'vitest';
import { meta } from '../destinations/meta';
import { metaSettingsSchema } from '../../shared/schemas/destinations';
import { effectiveMapping, resolveIdentifiers } from '../audiences/identity-mapping';
import { conversionRowFrom, type PersonView } from './conversion-row';

const NOW = Date.UTC(2026, 10, 20, 12);
const person: PersonView = {
  email: 'ann@example.com',
  consent: { ads: 'granted' },
  attributes: { crm: { phone: '+1 (650) 555-1212', country: 'US', amount: 12 } },
  touches: [
    {
      kind: 'fbclid',
      value: 'IwAR_person',
      firstSeen: NOW - 86_400_000,
      landingUrl: 'https://site.test/?fbclid=IwAR_person',
      raw: null,
      anonymousId: 'a1',
    },
  ],
  devices: [{ anonymousId: 'a1', ip: '203.0.113.5', userAgent: 'UA', lastSeen: NOW }],
};

describe('conversionRowFrom', () => {
  it('maps identity fields from attributes and carries touches, devices and consent', async () => {
    const row = conversionRowFrom(
      person,
      { id: 'e'.repeat(32), timestamp: NOW / 1000 - 60 },
      { eventName: 'MQL' },
      resolveIdentifiers(
        person.attributes,
        effectiveMapping({ phone: ['crm.phone'], countryCode: ['crm.country'], lastName: ['crm.missing'] }),
      ).identifiers,
    );
    expect(row.identifiers).toEqual({ phone: '+16505551212', country: 'us' });
    const prepared = await meta.prepare(
      row,
      metaSettingsSchema.parse({ pixelId: '1', accessToken: 'EAA12345678' }),
      NOW,
    );
    expect(prepared.ok && prepared.item.user_data).toMatchObject({
      ph: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      country: expect.stringMatching(/^[0-9a-f]{64}$/),
      fbc: `fb.1.${NOW - 86_400_000}.IwAR_person`,
      client_ip_address: '203.0.113.5',
    });
  });

  it('sends no click ids for a person who denied ads consent, and the builders skip the row', async () => {
    const row = conversionRowFrom(
      { ...person, consent: { ads: 'denied' } },
      { id: 'f'.repeat(32), timestamp: NOW / 1000 },
      {},
    );
    expect(row.touches).toEqual([]);
    expect(
      await meta.prepare(row, metaSettingsSchema.parse({ pixelId: '1', accessToken: 'EAA12345678' }), NOW),
    ).toMatchObject({ ok: false, reason: 'consent_denied' });
  });
});

// Compile-time: a PersonObject snapshot is a PersonView, so the PersonObject can pass it as it is.
import type { PersonSnapshot } from '../objects/person-types';
export const snapshotIsAView: (p: PersonSnapshot) => PersonView = (p) => p;
