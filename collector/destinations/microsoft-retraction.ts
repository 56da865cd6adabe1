// Microsoft Advertising ApplyOfflineConversionAdjustments (REST, OfflineConversionAdjustment data
// object): AdjustmentType Retract, found by the original ConversionName + ConversionTime +
// MicrosoftClickId (or hashed email), rebuilt by the conversion's own builder from the same entry so
// the identifiers match what was sent; AdjustmentTime = when the person left, after the conversion.
import type { MicrosoftAdsSettings } from '../../shared/schemas/destinations';
import type { RetractionSpec } from './definition';
import { microsoftAds, type OfflineConversion } from './microsoft';

const DAY_MS = 86_400_000;
const utc = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export const microsoftRetraction: RetractionSpec<MicrosoftAdsSettings, OfflineConversion> = {
  batchLimit: 1000,
  maxAgeMs: 90 * DAY_MS,

  async prepare(row, s, now) {
    const original = await microsoftAds.prepare(row, s, now);
    if (!original.ok) return original;
    const { MicrosoftClickId, ConversionName, ConversionTime, HashedEmailAddress } = original.item;
    const conversionMs = Date.parse(String(ConversionTime));
    const at = Math.min(Math.max((row.retractAt ?? now / 1000) * 1000, conversionMs + 1000), now);
    const item: OfflineConversion = {
      AdjustmentType: 'Retract',
      AdjustmentTime: utc(at),
      ConversionName,
      ConversionTime,
    };
    if (MicrosoftClickId !== undefined) item.MicrosoftClickId = MicrosoftClickId;
    else item.HashedEmailAddress = HashedEmailAddress;
    return { ok: true, item };
  },

  buildRequest(items, ctx) {
    const req = microsoftAds.buildRequest([], ctx);
    return {
      ...req,
      url: req.url.replace(/\/OfflineConversions\/Apply$/, '/OfflineConversionAdjustments/Apply'),
      body: { OfflineConversionAdjustments: items },
    };
  },

  parseResponse(res, items, ctx) {
    return microsoftAds.parseResponse(res, items, ctx).map((o) =>
      // Already withdrawn: our own replay.
      o.status === 'error' && o.failure.error.code === 'OfflineConversionAlreadyRetracted'
        ? { status: 'sent', note: o.failure.error.code }
        : o,
    );
  },
};
