// CRM identifiers (the identity mapping's canonical values) sent by each destination through the
// outbox to its fake, whose rules are the platform's: accepted, and carrying what the API takes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, MemoryOutboxStore, type DestinationRuntime } from '../../collector/delivery/outbox';
import { googleAds } from '../../collector/destinations/google-ads';
import { googleDataManager } from '../../collector/destinations/google-data-manager';
import { linkedin } from '../../collector/destinations/linkedin';
import { microsoftAds } from '../../collector/destinations/microsoft';
import { canonicalIdentifiers } from '../../shared/normalize-identifiers';
import {
  googleAdsSettingsSchema,
  googleDataManagerSettingsSchema,
  linkedinSettingsSchema,
  microsoftAdsSettingsSchema,
} from '../../shared/schemas/destinations';
import { startGoogleAdsFake, type GoogleAdsFake } from './google-ads';
import { startDataManagerFake, type DataManagerFake } from './google-data-manager';
import { startLinkedInFake, type LinkedInFake } from './linkedin';
import { startMicrosoftFake, type MicrosoftFake } from './microsoft';
import { Clock, drain, row, statuses, T0 } from './support';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
const oauth = { clientId: 'g-client', clientSecret: 'g-secret-123456', refreshToken: 'g-refresh-123456' };
let ads: GoogleAdsFake;
let dm: DataManagerFake;
let li: LinkedInFake;
let ms: MicrosoftFake;
let store: MemoryOutboxStore;

const identifiers = canonicalIdentifiers({
  phone: '(650) 555-1212',
  first_name: 'Mrs. Jane',
  last_name: 'Doe Jr.',
  country: 'United States',
  zip: '94025-1234',
  company_name: 'Acme Inc',
  job_title: 'CTO',
});
const rt = <S>(def: DestinationRuntime<S>['def'], settings: S, url: string): DestinationRuntime<S> => ({
  def,
  settings,
  mode: 'live',
  endpoint: url,
  tokenEndpoint: url,
  timeoutMs: 3000,
  random: () => 0,
});

beforeAll(async () => {
  ads = await startGoogleAdsFake({ customerId: '1234567890', conversionActionIds: ['555'], ...oauth, now: clock.now });
  dm = await startDataManagerFake({ customerId: '1234567890', conversionActionIds: ['777'], ...oauth, now: clock.now });
  li = await startLinkedInFake({
    conversionIds: ['4242'],
    clientId: 'li-client',
    clientSecret: 'li-secret-123456',
    refreshToken: 'li-refresh-000001',
    now: clock.now,
  });
  ms = await startMicrosoftFake({
    customerId: '1111',
    accountId: '2222',
    developerToken: 'ms-dev-token-0001',
    goalNames: ['MQL'],
    clientId: 'ms-client',
    clientSecret: 'ms-secret-123456',
    refreshToken: 'ms-refresh-000001',
    now: clock.now,
  });
});
afterAll(async () => {
  await Promise.all([ads.stop(), dm.stop(), li.stop(), ms.stop()]);
});
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
});

describe('CRM identifiers at each platform', () => {
  it('the canonical values: E.164 phone from the person’s country, ISO country code', () => {
    expect(identifiers).toMatchObject({ phone: '+16505551212', country: 'us' });
  });

  it('Google Data Manager: emailAddress, phoneNumber and address (hashed names, region and postal code in clear)', async () => {
    const r = rt(
      googleDataManager,
      googleDataManagerSettingsSchema.parse({ customerId: '1234567890', conversionActionId: '777', ...oauth }),
      dm.url,
    );
    const x = row({ identifiers });
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 1 });
    expect((dm.events[0] as any).userData.userIdentifiers).toEqual([
      { emailAddress: sha(x.email.toLowerCase()) },
      { phoneNumber: sha('+16505551212') },
      { address: { givenName: sha('jane'), familyName: sha('doe'), regionCode: 'US', postalCode: '94025-1234' } },
    ]);
  });

  it('Google Ads API: hashedEmail and hashedPhoneNumber (the upload service takes no address)', async () => {
    const r = rt(
      googleAds,
      googleAdsSettingsSchema.parse({ customerId: '1234567890', conversionActionId: '555', ...oauth }),
      ads.url,
    );
    const x = row({ identifiers });
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 1 });
    expect((ads.conversions[0] as any).userIdentifiers).toEqual([
      { userIdentifierSource: 'FIRST_PARTY', hashedEmail: sha(x.email.toLowerCase()) },
      { userIdentifierSource: 'FIRST_PARTY', hashedPhoneNumber: sha('+16505551212') },
    ]);
  });

  it('Microsoft: HashedPhoneNumber (E.164, SHA-256) beside HashedEmailAddress; a phone that cannot be normalized is left out', async () => {
    const r = rt(
      microsoftAds,
      microsoftAdsSettingsSchema.parse({
        customerId: '1111',
        accountId: '2222',
        conversionGoalName: 'MQL',
        developerToken: 'ms-dev-token-0001',
        clientId: 'ms-client',
        clientSecret: 'ms-secret-123456',
        refreshToken: 'ms-refresh-000001',
      }),
      ms.url,
    );
    const bad = row({ identifiers: canonicalIdentifiers({ phone: 'call me maybe', country: 'US' }) });
    await enqueue(store, r, [row({ identifiers }), bad], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(ms.conversions[0]).toMatchObject({
      HashedPhoneNumber: sha('+16505551212'),
      HashedEmailAddress: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(ms.conversions[1]).not.toHaveProperty('HashedPhoneNumber');
  });

  it('LinkedIn: userInfo in plain text beside the hashed email', async () => {
    const r = rt(
      linkedin,
      linkedinSettingsSchema.parse({
        conversionId: '4242',
        clientId: 'li-client',
        clientSecret: 'li-secret-123456',
        refreshToken: 'li-refresh-000001',
      }),
      li.url,
    );
    await enqueue(store, r, [row({ identifiers })], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 1 });
    expect((li.events[0] as any).user.userInfo).toEqual({
      firstName: 'Mrs. Jane',
      lastName: 'Doe Jr.',
      companyName: 'Acme Inc',
      title: 'CTO',
      countryCode: 'US',
    });
  });
});
