import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_MAPPING, effectiveMapping, resolveIdentifiers } from './identity-mapping';

describe('identity mapping', () => {
  it('finds HubSpot, Salesforce and generic crm fields with the defaults, first present wins', () => {
    const hub = resolveIdentifiers(
      {
        hubspot: {
          phone: '+1 650 555 1212',
          firstname: 'Jane',
          lastname: 'Doe',
          city: 'Austin',
          state: 'TX',
          zip: 78701,
          country: 'US',
          company: 'Acme',
          jobtitle: 'CTO',
        },
        crm: { phone: '+44 20 7946 0958' },
      },
      effectiveMapping(),
    );
    // Canonical: phones in E.164 where they can be, country codes lowercase ISO.
    expect(hub.identifiers).toEqual({
      phone: '+16505551212',
      first_name: 'Jane',
      last_name: 'Doe',
      city: 'Austin',
      state: 'TX',
      zip: '78701',
      country: 'us',
      company_name: 'Acme',
      job_title: 'CTO',
    });
    expect(hub.sources.find((s) => s.identifier === 'phone')).toMatchObject({ value: '+1 650 555 1212' });
    expect(hub.sources.find((s) => s.identifier === 'phone')).toMatchObject({ field: 'hubspot.phone' });
    const sf = resolveIdentifiers(
      {
        salesforce: {
          Contact: {
            Phone: '(650) 555-1212',
            FirstName: 'Ann',
            LastName: 'Lee',
            MailingCountryCode: 'DE',
            Title: 'VP',
            Account: { Name: 'Globex' },
          },
        },
      },
      effectiveMapping(),
    );
    // A national number takes the person's country's calling code.
    expect(sf.identifiers).toMatchObject({
      phone: '+496505551212',
      first_name: 'Ann',
      last_name: 'Lee',
      country: 'de',
      job_title: 'VP',
      company_name: 'Globex',
    });
    expect(
      resolveIdentifiers({ hubspot: { country: 'United Kingdom', phone: '020 7946 0958' } }, effectiveMapping())
        .identifiers,
    ).toEqual({ country: 'gb', phone: '+442079460958' });
    expect(
      resolveIdentifiers({ crm: { first_name: 'Bo', external_id: 'C-1' } }, effectiveMapping()).identifiers,
    ).toEqual({ first_name: 'Bo', external_id: 'C-1' });
  });

  it('never reads untrusted browser traits by default', () => {
    expect(
      Object.values(DEFAULT_IDENTITY_MAPPING)
        .flat()
        .some((f) => f.startsWith('traits.')),
    ).toBe(false);
    expect(resolveIdentifiers({ traits: { phone: '+16505551212' } }, effectiveMapping()).identifiers).toEqual({});
  });

  it('skips a candidate that is not text with its reason and takes the next; missing fields say so', () => {
    const r = resolveIdentifiers(
      { hubspot: { phone: { value: 1 } }, crm: { phone: '+16505551212', first_name: true } },
      effectiveMapping(),
    );
    expect(r.identifiers.phone).toBe('+16505551212');
    expect(r.sources.find((s) => s.identifier === 'phone')!.skipped).toEqual([
      { field: 'hubspot.phone', reason: 'holds an object, not text' },
    ]);
    expect(r.sources.find((s) => s.identifier === 'firstName')).toMatchObject({
      field: null,
      reason: 'no candidate field holds text',
      skipped: [{ field: 'crm.first_name', reason: 'holds a boolean, not text' }],
    });
    expect(r.sources.find((s) => s.identifier === 'city')).toMatchObject({
      field: null,
      reason: 'none of the candidate fields is present',
    });
  });

  it('the deployment overrides the defaults and a conversion overrides both, per identifier; [] turns one off', () => {
    const m = effectiveMapping({ phone: ['crm.work_phone'], jobTitle: [] }, { phone: ['crm.cell'] });
    expect(m.phone).toEqual(['crm.cell']);
    expect(m.jobTitle).toEqual([]);
    expect(m.firstName).toEqual(DEFAULT_IDENTITY_MAPPING.firstName);
    const r = resolveIdentifiers({ crm: { cell: '+16505551212', work_phone: '+16505550000', title: 'CEO' } }, m);
    expect(r.identifiers).toEqual({ phone: '+16505551212' });
    expect(r.sources.find((s) => s.identifier === 'jobTitle')).toMatchObject({ reason: 'not mapped' });
  });
});
