// The JSON paths the ladder reads (item-value.ts) against the items each destination's own builder
// makes: value, currency and event time come back as built, through the same SQLite functions the
// DestinationObject's query uses. A builder that moves a field breaks this test, not the counts.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { destinations } from '../destinations/registry';
import type { ConversionRow } from '../delivery/types';
import { settingsSchemas, type DestinationType } from '../../shared/schemas/destinations';
import type { Env } from '../env';
import { ITEM_FIELDS } from './item-value';
import { configObject } from '../objects/doors';

const NOW = Date.UTC(2026, 10, 20, 12);
const EVENT = NOW / 1000 - 3 * 86_400 + 17; // three days before, on a whole second

const OAUTH = { clientId: 'client-id', clientSecret: 'client-secret-123', refreshToken: 'refresh-token-123' };
const SETTINGS: Record<DestinationType, Record<string, unknown>> = {
  meta: { pixelId: '123456789012345', accessToken: 'EAAB-test-token-123' },
  google_ads: { customerId: '1234567890', conversionActionId: '2', ...OAUTH },
  google_data_manager: { customerId: '1234567890', conversionActionId: '2', ...OAUTH },
  linkedin: { conversionId: '4242', accessToken: 'li-token-1234567890', apiVersion: '202611' },
  microsoft_ads: {
    customerId: '1111',
    accountId: '2222',
    conversionGoalName: 'MQL',
    developerToken: 'ms-dev-token-0001',
    ...OAUTH,
  },
  reddit: { pixelId: 'a2_abc123def', accessToken: 'reddit-token-1234567890' },
  tiktok: { pixelCode: 'CABC123DEF456GHI789J', accessToken: 'tiktok-token-1234567890' },
  openai_ads: { pixelId: 'px_openai_1', apiKey: 'openai-key-1234567890' },
};

const row: ConversionRow = {
  id: 'e'.repeat(32),
  eventTime: EVENT,
  email: 'ann@example.com',
  consent: 'granted',
  touches: [
    {
      kind: 'gclid',
      value: 'Cj0KCQ_item_value',
      firstSeen: EVENT * 1000 - 86_400_000,
      landingUrl: null,
      raw: null,
      anonymousId: 'a1',
    },
    {
      kind: 'msclkid',
      value: 'c'.repeat(32),
      firstSeen: EVENT * 1000 - 86_400_000,
      landingUrl: null,
      raw: null,
      anonymousId: 'a1',
    },
  ],
  devices: [{ anonymousId: 'a1', ip: '203.0.113.5', userAgent: 'UA', lastSeen: NOW }],
  attributes: { crm: { deal: { amount: '12,500.50' } } },
  conversion: { valueField: 'crm.deal.amount', currency: 'EUR', conversionAction: '777' },
} as unknown as ConversionRow;

describe('ITEM_FIELDS', () => {
  for (const type of Object.keys(SETTINGS) as DestinationType[]) {
    it(`${type}: value, currency and event time read back from the builder's item`, async () => {
      const def = destinations[type];
      const prepared = await def.prepare(row, settingsSchemas[type].parse(SETTINGS[type]) as never, NOW);
      expect(prepared.ok, JSON.stringify(prepared)).toBe(true);
      const item = JSON.stringify((prepared as { item: unknown }).item);
      const f = ITEM_FIELDS[type]!;
      const read = await runInDurableObject(configObject(env as unknown as Env), (_o, state: DurableObjectState) =>
        state.storage.sql
          .exec<{ v: number; c: string; t: number }>(
            `SELECT (${f.value}) + 0 AS v, ${f.currency} AS c, ${f.eventMs} AS t FROM (SELECT ? AS item)`,
            item,
          )
          .one(),
      );
      expect(read).toEqual({ v: 12500.5, c: 'EUR', t: EVENT * 1000 });
    });
  }
});
