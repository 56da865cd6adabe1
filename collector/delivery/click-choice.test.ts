import { describe, expect, it } from 'vitest';
import { googleClick } from '../destinations/google-click';
import { DAY_MS, deviceFor, metaFbc, newestTouch } from './click-choice';
import type { RowTouch } from './types';

const EVENT = Date.UTC(2026, 10, 20, 12);
const t = (kind: string, value: string, daysBefore: number, extra: Partial<RowTouch> = {}): RowTouch => ({
  kind,
  value,
  firstSeen: EVENT - daysBefore * DAY_MS,
  ...extra,
});

describe('click choice', () => {
  it('Google: the newest of gclid / gbraid / wbraid before the event and within 90 days, one only', () => {
    const touches = [
      t('gclid', 'old_gclid', 30),
      t('wbraid', 'newer_wbraid', 3),
      t('gbraid', 'future_gbraid', -1),
      t('fbclid', 'meta_click', 1),
    ];
    expect(googleClick(touches, EVENT)?.value).toBe('newer_wbraid');
    expect(googleClick([t('gclid', 'too_old', 91)], EVENT)).toBeNull();
    expect(googleClick([t('gclid', 'edge', 90)], EVENT)?.value).toBe('edge');
    expect(googleClick([], EVENT)).toBeNull();
  });

  it('Meta fbc: the harvested cookie when its fbclid is the newest, else fb.1.<first seen ms>.<fbclid>', () => {
    const cookie = t('fbclid', 'IwAR_cookie', 5, { raw: 'fb.2.1763000000000.IwAR_cookie' });
    const url = t('fbclid', 'IwZXh0bgNhZW0_url', 2);
    const newest = newestTouch([cookie, url], ['fbclid'], EVENT)!;
    expect(metaFbc(newest)).toBe(`fb.1.${EVENT - 2 * DAY_MS}.IwZXh0bgNhZW0_url`);
    expect(metaFbc(newestTouch([cookie], ['fbclid'], EVENT)!)).toBe('fb.2.1763000000000.IwAR_cookie');
    // A raw cookie that carries another fbclid is not this click's.
    expect(metaFbc(t('fbclid', 'IwAR_mine', 1, { raw: 'fb.1.1763000000000.IwAR_other' }))).toBe(
      `fb.1.${EVENT - DAY_MS}.IwAR_mine`,
    );
  });

  it('IP and user agent come from the device that carried the touch, else the most recent device', () => {
    const devices = [
      { anonymousId: 'a', ip: '203.0.113.1', userAgent: 'UA-a', lastSeen: 1 },
      { anonymousId: 'b', ip: '203.0.113.2', userAgent: 'UA-b', lastSeen: 2 },
    ];
    expect(deviceFor(devices, t('gclid', 'x', 1, { anonymousId: 'a' }))?.ip).toBe('203.0.113.1');
    expect(deviceFor(devices, t('gclid', 'x', 1))?.ip).toBe('203.0.113.2');
    expect(deviceFor([], null)).toBeNull();
  });
});
