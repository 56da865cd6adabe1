// LinkedIn and Microsoft destinations driven through the outbox against their fakes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, MemoryOutboxStore, type DestinationRuntime } from '../../collector/delivery/outbox';
import { linkedin } from '../../collector/destinations/linkedin';
import { microsoftAds } from '../../collector/destinations/microsoft';
import {
  linkedinSettingsSchema,
  microsoftAdsSettingsSchema,
  type LinkedInSettings,
  type MicrosoftAdsSettings,
} from '../../shared/schemas/destinations';
import { startLinkedInFake, type LinkedInFake } from './linkedin';
import { startMicrosoftFake, type MicrosoftFake } from './microsoft';
import { Clock, DAY, drain, row, statuses, T0 } from './support';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const clock = new Clock();
let li: LinkedInFake;
let ms: MicrosoftFake;
let store: MemoryOutboxStore;

beforeAll(async () => {
  li = await startLinkedInFake({
    conversionIds: ['4242'],
    clientId: 'li-client',
    clientSecret: 'li-secret-123456',
    refreshToken: 'li-refresh-000001',
    now: clock.now,
    rotateRefreshTokens: true,
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
  await li.stop();
  await ms.stop();
});
beforeEach(() => {
  clock.ms = T0;
  store = new MemoryOutboxStore();
  li.events.length = 0;
  li.requests.length = 0;
  ms.conversions.length = 0;
  ms.requests.length = 0;
  li.rowErrors.clear();
  ms.rowErrors.clear();
  li.clearFaults();
  ms.clearFaults();
});

describe('LinkedIn against the fake', () => {
  let saved = 'li-refresh-000001';
  const settings = (): LinkedInSettings =>
    linkedinSettingsSchema.parse({
      conversionId: '4242',
      clientId: 'li-client',
      clientSecret: 'li-secret-123456',
      refreshToken: saved,
      apiVersion: '202611',
    });
  const rt = (over: Partial<DestinationRuntime<LinkedInSettings>> = {}): DestinationRuntime<LinkedInSettings> => ({
    def: linkedin,
    settings: settings(),
    mode: 'live',
    endpoint: li.url,
    tokenEndpoint: li.url,
    timeoutMs: 3000,
    random: () => 0,
    onRotatedRefreshToken: (t) => void (saved = t),
    ...over,
  });

  it('batch-creates events with URN, ms time, eventId, SHA256_EMAIL and li_fat_id; saves the rotated refresh token', async () => {
    const x = row({ conversion: { value: 99.5, currency: 'USD' } });
    const r = rt();
    await enqueue(store, r, [x, row()], clock.ms);
    await drain(store, r, clock);
    expect(statuses(store)).toEqual({ sent: 2 });
    expect(li.events[0]).toEqual({
      conversion: 'urn:lla:llaPartnerConversion:4242',
      conversionHappenedAt: x.eventTime * 1000,
      eventId: x.id,
      user: {
        userIds: [
          { idType: 'SHA256_EMAIL', idValue: sha(x.email.toLowerCase()) },
          { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: '85929337-d448-42da-a095-0b3c5500fa50' },
        ],
      },
      conversionValue: { currencyCode: 'USD', amount: '99.5' },
    });
    expect(saved).not.toBe('li-refresh-000001');
    expect(li.oauth.refreshTokens.has(saved)).toBe(true);
  });

  it('after the access token expires, refreshes with the saved (rotated) token and goes on', async () => {
    li.oauth.expireAll();
    const x = row();
    const r = rt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)!.status).toBe('sent');
  });

  it('a 401 right after a refresh that rotated the refresh token: the second refresh uses the new one', async () => {
    // No cached token (a restarted object): refresh (rotates), the API still answers 401 expired,
    // refresh again; the token just rotated away is dead, so that refresh must use the new one.
    li.fault({ status: 401 });
    const grants = li.oauth.grants;
    const x = row();
    const r = rt({ tokenCache: null });
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(store.get(x.id)!.status, JSON.stringify(store.get(x.id)!.error)).toBe('sent');
    expect(li.oauth.grants).toBe(grants + 2);
    expect(li.oauth.refreshTokens.has(saved)).toBe(true);
  });

  it('test mode refreshes the token but sends no event', async () => {
    const grants = li.oauth.grants;
    const r = rt({ mode: 'test' });
    const x = row();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(li.oauth.grants).toBe(grants + 1);
    expect(li.requests.filter((q) => q.path === '/rest/conversionEvents')).toHaveLength(0);
    expect(store.get(x.id)!.note).toMatch(/not sent/);
  });

  it('maps per-element errors, retries throttling, skips events over 90 days', async () => {
    const bad = row();
    li.rowErrors.set(bad.id, 400);
    li.fault({ status: 429, retryAfter: '60' });
    const old = row({ eventTime: Math.floor((T0 - 91 * DAY) / 1000) });
    const r = rt();
    await enqueue(store, r, [row(), bad, old], clock.ms);
    await drain(store, r, clock);
    li.rowErrors.clear();
    expect(statuses(store)).toEqual({ sent: 1, failed: 1, skipped: 1 });
    expect(store.get(old.id)!.skipReason).toBe('too_old');
    expect(li.requests.filter((q) => q.path === '/rest/conversionEvents').map((q) => q.status)).toEqual([429, 200]);
  });
});

describe('Microsoft Advertising against the fake', () => {
  let saved = 'ms-refresh-000001';
  const settings = (): MicrosoftAdsSettings =>
    microsoftAdsSettingsSchema.parse({
      customerId: '1111',
      accountId: '2222',
      conversionGoalName: 'MQL',
      developerToken: 'ms-dev-token-0001',
      clientId: 'ms-client',
      clientSecret: 'ms-secret-123456',
      refreshToken: saved,
    });
  const rt = (
    over: Partial<DestinationRuntime<MicrosoftAdsSettings>> = {},
  ): DestinationRuntime<MicrosoftAdsSettings> => ({
    def: microsoftAds,
    settings: settings(),
    mode: 'live',
    endpoint: ms.url,
    tokenEndpoint: ms.url,
    timeoutMs: 3000,
    random: () => 0,
    onRotatedRefreshToken: (t) => void (saved = t),
    ...over,
  });

  it('applies conversions with the MSCLKID, goal name, UTC time and hashed email; redacts tokens in the log', async () => {
    const x = row();
    const r = rt();
    await enqueue(store, r, [x], clock.ms);
    await drain(store, r, clock);
    expect(ms.conversions[0]).toEqual({
      MicrosoftClickId: x.touches[4]!.value,
      ConversionName: 'MQL',
      ConversionTime: '2026-11-20T11:00:00Z',
      HashedEmailAddress: sha(x.email.toLowerCase()),
    });
    expect(saved).not.toBe('ms-refresh-000001');
    const log = JSON.stringify(store.requests);
    expect(log).not.toContain('ms-dev-token-0001');
    expect(log).not.toMatch(/Bearer at_/);
  });

  it('maps PartialErrors by index and retries a 500 without duplicating', async () => {
    const a = row();
    const b = row();
    ms.rowErrors.set(b.touches[4]!.value, 'OfflineConversionMicrosoftClickIdInvalid');
    ms.fault({ status: 500 });
    const r = rt();
    await enqueue(store, r, [a, b], clock.ms);
    await drain(store, r, clock);
    ms.rowErrors.clear();
    expect(store.get(a.id)!.status).toBe('sent');
    expect(store.get(b.id)).toMatchObject({
      status: 'failed',
      error: { code: 'OfflineConversionMicrosoftClickIdInvalid' },
    });
    expect(ms.conversions).toHaveLength(1);
  });
});
