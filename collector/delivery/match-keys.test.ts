import { describe, expect, it } from 'vitest';
import { matchKeys } from './match-keys';

describe('match keys of a built item', () => {
  it('reads each platform’s own fields', () => {
    expect(
      matchKeys('meta', {
        user_data: {
          em: ['h'],
          ph: ['h'],
          fn: 'h',
          ln: 'h',
          fbc: 'fb.1.1.x',
          fbp: 'fb.1.1.2',
          client_ip_address: '1.2.3.4',
          client_user_agent: 'UA',
          external_id: ['h'],
        },
      }),
    ).toEqual(['click_id', 'email', 'phone', 'name_address', 'fbc', 'fbp', 'ip_user_agent', 'external_id']);
    expect(matchKeys('meta', { user_data: { em: ['h'], fn: 'h', client_ip_address: '1.2.3.4' } })).toEqual(['email']);
    expect(
      matchKeys('google_data_manager', {
        adIdentifiers: { gclid: 'g', landingPageDeviceInfo: { userAgent: 'UA' } },
        userData: { userIdentifiers: [{ emailAddress: 'h' }, { address: {} }] },
      }),
    ).toEqual(['click_id', 'email', 'name_address']);
    expect(
      matchKeys('google_ads', {
        wbraid: 'w',
        userIdentifiers: [{ hashedPhoneNumber: 'h' }],
        consent: { adUserData: 'GRANTED' },
      }),
    ).toEqual(['click_id', 'phone', 'consent']);
    expect(
      matchKeys('linkedin', {
        user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: 'h' }], userInfo: { firstName: 'A', lastName: 'B' } },
      }),
    ).toEqual(['email', 'name_address']);
    expect(matchKeys('microsoft_ads', { MicrosoftClickId: 'm', HashedPhoneNumber: 'h' })).toEqual([
      'click_id',
      'phone',
    ]);
    expect(
      matchKeys('reddit', { click_id: 'r', user: { email: 'h', ip_address: '1.2.3.4', user_agent: 'UA' } }),
    ).toEqual(['click_id', 'email', 'ip_user_agent']);
    expect(matchKeys('tiktok', { user: { ttclid: 't', phone: 'h', external_id: 'h', ip: '1.2.3.4' } })).toEqual([
      'click_id',
      'phone',
      'external_id',
    ]);
    expect(matchKeys('openai_ads', { user: { email_sha256: 'h', ip_address: '1.2.3.4', user_agent: 'UA' } })).toEqual([
      'email',
      'ip_user_agent',
    ]);
    expect(matchKeys('tiktok', { anything: 1 })).toEqual([]);
    expect(matchKeys('meta', null)).toEqual([]);
  });
});
