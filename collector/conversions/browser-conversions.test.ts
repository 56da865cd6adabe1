import { describe, expect, it } from 'vitest';
import { browserConversions, browserEvent, readsBrowserData } from './browser-conversions';
import type { StoredConversion } from '../audiences/types';

const conversion = (extra: Partial<StoredConversion> = {}) =>
  ({
    id: 'cnv_1',
    audienceId: 'aud_1',
    destinationId: 'dst_1',
    enabledAt: 0,
    createdAt: 0,
    updatedAt: 0,
    sendExisting: true,
    paused: false,
    ...extra,
  }) as StoredConversion;

describe('browserEvent: the name each pixel must use', () => {
  it('follows each platform’s server event name and default', () => {
    expect(browserEvent('meta', {})).toEqual({ platform: 'meta', eventName: 'Lead' });
    expect(browserEvent('tiktok', { eventName: 'CompleteRegistration' })).toEqual({
      platform: 'tiktok',
      eventName: 'CompleteRegistration',
    });
    expect(browserEvent('reddit', {})).toEqual({ platform: 'reddit', eventName: 'Lead' });
    expect(browserEvent('reddit', { eventName: 'add to cart' })).toEqual({
      platform: 'reddit',
      eventName: 'AddToCart',
    });
    expect(browserEvent('reddit', { eventName: 'Demo booked' })).toEqual({
      platform: 'reddit',
      eventName: 'Demo booked',
    });
    expect(browserEvent('openai_ads', { eventName: 'Trial_Started' })).toEqual({
      platform: 'openai',
      eventName: 'trial_started',
    });
    expect(browserEvent('openai_ads', { eventName: 'Demo booked' })).toEqual({
      platform: 'openai',
      eventName: 'Demo booked',
    });
    expect(browserEvent('google_data_manager', { conversionAction: '42' })).toEqual({
      platform: 'google',
      eventName: 'conversion',
      conversionAction: '42',
    });
    expect(browserEvent('linkedin', { conversionAction: 'urn:lla:llaPartnerConversion:4242' })).toEqual({
      platform: 'linkedin',
      conversionAction: '4242',
    });
    // Offline conversions deduplicated by click and time: no id for a pixel.
    expect(browserEvent('microsoft_ads', {})).toBeNull();
  });
});

describe('browserConversions', () => {
  const types = new Map([['dst_1', 'meta' as const]]);
  it('lists rows being sent, with a fixed value only', () => {
    const rows = [
      { entryId: 'e1', conversionId: 'cnv_1', destinationId: 'dst_1', status: 'pending' as const },
      { entryId: 'e1', conversionId: 'cnv_2', destinationId: 'dst_1', status: 'pending' as const },
      { entryId: 'e1', conversionId: 'cnv_3', destinationId: 'dst_1', status: 'skipped' as const },
      { entryId: 'e1', conversionId: 'cnv_1', destinationId: 'dst_unknown', status: 'pending' as const },
    ];
    const conversions = new Map([
      ['cnv_1', conversion({ value: 50, currency: 'USD' })],
      ['cnv_2', conversion({ id: 'cnv_2', value: 50, valueField: 'crm.deal.amount', currency: 'USD' })],
      ['cnv_3', conversion({ id: 'cnv_3' })],
    ]);
    expect(browserConversions(rows, conversions, types)).toEqual([
      { platform: 'meta', eventName: 'Lead', eventId: 'e1', conversionId: 'cnv_1', value: 50, currency: 'USD' },
      { platform: 'meta', eventName: 'Lead', eventId: 'e1', conversionId: 'cnv_2' },
    ]);
  });
});

describe('readsBrowserData', () => {
  const crm = {
    criteria: { field: 'crm.stage', op: 'eq' as const, value: 'sql' },
    timestamp: { field: 'crm.sql_at', withinDays: 7 },
  };
  it('holds for audiences over browser traits or signed traits only', () => {
    expect(readsBrowserData({ ...crm, allowTraits: false })).toBe(false);
    expect(readsBrowserData({ ...crm, allowTraits: true })).toBe(true);
    expect(
      readsBrowserData({
        ...crm,
        allowTraits: false,
        timestamp: { field: 'signed_traits.signed_up_at', withinDays: 7 },
      }),
    ).toBe(true);
    expect(
      readsBrowserData({
        ...crm,
        allowTraits: false,
        criteria: { all: [crm.criteria, { field: 'signed_traits.plan', op: 'eq', value: 'pro' }] },
      } as any),
    ).toBe(true);
  });
});
