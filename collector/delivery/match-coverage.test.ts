import { describe, expect, it } from 'vitest';
import { isOriginating, matchCoverage, META_WEIGHTS, scoreOf, weightsFor } from './match-coverage';
import { DAY_MS } from './click-choice';

const NOW = Date.UTC(2026, 11, 4, 12);
const EVENT_S = Math.floor(NOW / 1000) - 3600;
const ev = EVENT_S * 1000;
const row = (touches: { kind: string; value: string; firstSeen: number }[]) => ({ eventTime: EVENT_S, touches });

describe('match coverage scores', () => {
  it('Meta: Meta’s EMQ parameters in its published priority, summing to 10', () => {
    expect(Object.values(META_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(10);
    const fbclid = 'IwAR2F4-dbP0l7Mn1Iaw';
    const item = {
      user_data: {
        em: ['h'],
        fbc: `fb.1.${ev - 2 * DAY_MS}.${fbclid}`,
        fbp: 'fb.1.1700000000000.123',
        client_ip_address: '1.2.3.4',
        client_user_agent: 'UA',
      },
    };
    const fresh = matchCoverage(
      'meta',
      item,
      row([{ kind: 'fbclid', value: fbclid, firstSeen: ev - 2 * DAY_MS }]),
      NOW,
    );
    expect(fresh).toEqual({
      keys: ['click_id', 'email', 'fbc', 'fbp', 'ip_user_agent'],
      originatingClick: true,
      score: 7.5,
      scheme: 'meta_emq',
    });
    // The same fbc 10 days after its click: outside Meta's 7-day click window, half its weight.
    const stale = matchCoverage(
      'meta',
      item,
      row([{ kind: 'fbclid', value: fbclid, firstSeen: ev - 10 * DAY_MS }]),
      NOW,
    );
    expect(stale.originatingClick).toBe(false);
    expect(stale.score).toBe(6.3);
    const all = { user_data: { ...item.user_data, ph: ['h'], fn: 'h', ln: 'h', external_id: ['h'] } };
    expect(
      matchCoverage('meta', all, row([{ kind: 'fbclid', value: fbclid, firstSeen: ev - DAY_MS }]), NOW).score,
    ).toBe(10);
    expect(matchCoverage('meta', { user_data: { em: ['h'] } }, row([]), NOW)).toEqual({
      keys: ['email'],
      originatingClick: null,
      score: 3,
      scheme: 'meta_emq',
    });
  });

  it('Google Data Manager and Ads: ours, scaled over the keys each API takes', () => {
    const touches = [{ kind: 'gclid', value: 'Cj0KCQiA-gclid', firstSeen: ev - 30 * DAY_MS }];
    const dm = {
      adIdentifiers: { gclid: 'Cj0KCQiA-gclid' },
      userData: { userIdentifiers: [{ emailAddress: 'h' }] },
      consent: { adUserData: 'CONSENT_GRANTED' },
    };
    expect(matchCoverage('google_data_manager', dm, row(touches), NOW)).toEqual({
      keys: ['click_id', 'email', 'consent'],
      originatingClick: true,
      score: 7.5,
      scheme: 'ours',
    });
    // Google Ads takes no address nor device: click + email is 7.5 of 8.5.
    expect(
      matchCoverage(
        'google_ads',
        { gclid: 'Cj0KCQiA-gclid', userIdentifiers: [{ hashedEmail: 'h' }] },
        row(touches),
        NOW,
      ).score,
    ).toBe(8.8);
    // A newer gclid exists: the one sent is not the originating click.
    const newer = [...touches, { kind: 'gbraid', value: 'newer-gbraid', firstSeen: ev - DAY_MS }];
    expect(
      matchCoverage(
        'google_ads',
        { gclid: 'Cj0KCQiA-gclid', userIdentifiers: [{ hashedEmail: 'h' }] },
        row(newer),
        NOW,
      ),
    ).toMatchObject({ originatingClick: false, score: 5.9 });
  });

  it('Microsoft, LinkedIn, Reddit, TikTok, ChatGPT Ads', () => {
    const ms = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    expect(
      matchCoverage(
        'microsoft_ads',
        { MicrosoftClickId: ms, HashedEmailAddress: 'h' },
        row([{ kind: 'msclkid', value: `${ms}-1`, firstSeen: ev - DAY_MS }]),
        NOW,
      ),
    ).toMatchObject({ originatingClick: true, score: 8.8 });
    expect(matchCoverage('microsoft_ads', { HashedEmailAddress: 'h' }, row([]), NOW).score).toBe(2.9);
    expect(
      matchCoverage(
        'linkedin',
        { user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: 'h' }], userInfo: { firstName: 'A', lastName: 'B' } } },
        row([]),
        NOW,
      ).score,
    ).toBe(3.8);
    const li = {
      user: {
        userIds: [
          { idType: 'SHA256_EMAIL', idValue: 'h' },
          { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'li-1' },
        ],
      },
    };
    expect(
      matchCoverage('linkedin', li, row([{ kind: 'li_fat_id', value: 'li-1', firstSeen: ev - 100 * DAY_MS }]), NOW),
    ).toMatchObject({ originatingClick: false, score: 6.3 });
    expect(
      matchCoverage(
        'reddit',
        { click_id: 'rdt-1', user: { email: 'h' } },
        row([{ kind: 'rdt_cid', value: 'rdt-1', firstSeen: ev - DAY_MS }]),
        NOW,
      ).score,
    ).toBe(7.5);
    expect(
      matchCoverage(
        'tiktok',
        { user: { ttclid: 'tt-1', email: 'h', ip: '1.2.3.4', user_agent: 'UA' } },
        row([{ kind: 'ttclid', value: 'tt-1', firstSeen: ev - DAY_MS }]),
        NOW,
      ).score,
    ).toBe(8.5);
    // ChatGPT Ads takes no click ID: email alone is 2.5 of 4.
    expect(matchCoverage('openai_ads', { user: { email_sha256: 'h' } }, row([]), NOW)).toEqual({
      keys: ['email'],
      originatingClick: null,
      score: 6.3,
      scheme: 'ours',
    });
  });

  it('every platform’s weights make 10 when every key it takes is carried', () => {
    for (const t of [
      'meta',
      'google_data_manager',
      'google_ads',
      'microsoft_ads',
      'linkedin',
      'reddit',
      'tiktok',
      'openai_ads',
    ]) {
      const w = weightsFor(t);
      expect(scoreOf(t, Object.keys(w) as never, true)).toBe(10);
    }
    expect(scoreOf('unknown_platform', ['email'], null)).toBe(0);
  });

  it('a click first seen after the event is not the originating one', () => {
    expect(isOriginating('meta', 'x', row([{ kind: 'fbclid', value: 'x', firstSeen: ev + 1000 }]), NOW)).toBe(false);
    expect(isOriginating('openai_ads', 'x', row([]), NOW)).toBe(false);
  });
});
