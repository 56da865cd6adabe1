// Devices: a backend's Segment identify (analytics-node: context.ip / userAgent, no anonymousId)
// stores a device; each device keeps the country of its IP, and Google never receives an IP from the
// EEA, the UK or Switzerland, nor one of unknown origin.
import { describe, expect, it } from 'vitest';
import { conversionRowFrom } from '../../collector/delivery/conversion-row';
import { googleDataManager } from '../../collector/destinations/google-data-manager';
import { meta } from '../../collector/destinations/meta';
import { googleDataManagerSettingsSchema, metaSettingsSchema } from '../../shared/schemas/destinations';
import { anonId, call, collect, identifyEvent, person, PK, SK } from './helpers';

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;
const metaSettings = metaSettingsSchema.parse({ pixelId: '1234567', accessToken: 'EAAsecret-meta-token-000' });
const dmSettings = googleDataManagerSettingsSchema.parse({
  customerId: '1234567890',
  conversionActionId: '777',
  clientId: 'c',
  clientSecret: 'client-secret-1',
  refreshToken: 'refresh-token-1',
});

function rowOf(p: any, touches: { kind: string; value: string; firstSeen: number }[] = []) {
  return conversionRowFrom(
    {
      email: p.email,
      consent: null,
      attributes: {},
      touches: touches.map((t) => ({ ...t, landingUrl: null, raw: null })),
      devices: p.devices,
    },
    { id: 'e'.repeat(32), timestamp: Math.floor(Date.now() / 1000) - 60 },
    {},
  );
}

describe('devices and their country', () => {
  it('a Segment identify from a backend (context.ip + userAgent, no anonymousId) stores a device Meta receives', async () => {
    const email = `node-${anonId()}@example.com`;
    const send = (messageId: string) =>
      call('/segment/v1/identify', {
        method: 'POST',
        headers: {
          authorization: basic(SK),
          'content-type': 'application/json',
          'cf-connecting-ip': '10.0.0.1',
          'cf-ipcountry': 'US',
          'user-agent': 'analytics-node/3.1.0',
        },
        body: JSON.stringify({
          userId: 'db-77',
          traits: { email },
          messageId,
          context: { ip: '203.0.113.60', userAgent: 'Mozilla/5.0 Visitor' },
        }),
      });
    expect((await send('node-1')).status).toBe(200);
    expect((await send('node-2')).status).toBe(200);
    const p = await person(email);
    // One device for that address and browser; the backend's own country does not describe the visitor's IP.
    expect(p.devices).toEqual([
      expect.objectContaining({ ip: '203.0.113.60', userAgent: 'Mozilla/5.0 Visitor', country: null }),
    ]);
    const prepared = await meta.prepare(rowOf(p), metaSettings, Date.now());
    expect(prepared.ok && prepared.item.user_data).toMatchObject({
      client_ip_address: '203.0.113.60',
      client_user_agent: 'Mozilla/5.0 Visitor',
    });
  });

  it("keeps the request's country (CF-IPCountry) with the device; Google gets no IP from the EEA, UK or Switzerland", async () => {
    const now = Date.now();
    for (const [country, sent] of [
      ['DE', false],
      ['GB', false],
      ['CH', false],
      ['US', true],
    ] as const) {
      const email = `geo-${country}-${anonId()}@example.com`;
      const res = await collect(
        { key: PK, events: [identifyEvent(email, { anonymousId: anonId() })] },
        { 'cf-connecting-ip': '198.51.100.20', 'cf-ipcountry': country, 'user-agent': 'Mozilla/5.0 Geo' },
      );
      expect(res.status).toBe(200);
      const p = await person(email);
      expect(p.devices[0]).toMatchObject({ ip: '198.51.100.20', country });
      const prepared = await googleDataManager.prepare(
        rowOf(p, [{ kind: 'gclid', value: 'Cj0KCQiA_geo_click', firstSeen: now - 3_600_000 }]),
        dmSettings,
        now,
      );
      const info = prepared.ok
        ? (prepared.item.adIdentifiers as { landingPageDeviceInfo?: Record<string, string> }).landingPageDeviceInfo
        : null;
      expect(info?.userAgent).toBe('Mozilla/5.0 Geo');
      expect(info?.ipAddress).toBe(sent ? '198.51.100.20' : undefined);
      // Meta's own rules differ: it receives the IP wherever it comes from.
      const m = await meta.prepare(rowOf(p), metaSettings, now);
      expect(m.ok && m.item.user_data).toMatchObject({ client_ip_address: '198.51.100.20' });
    }
  });
});
