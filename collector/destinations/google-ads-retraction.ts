// Google Ads API uploadConversionAdjustments (conversion_adjustment_upload_service.proto): a
// RETRACTION of a conversion we uploaded, found by its orderId (our entry id) and conversion action;
// adjustmentDateTime = when the person left the audience (after the conversion, never in the future),
// partialFailure: true with per-row errors by index, validateOnly in test mode. Google adjusts only
// conversions at least 24 hours old (TOO_RECENT_CONVERSION: retried) and at most 54 days old.
import type { GoogleAdsSettings } from '../../shared/schemas/destinations';
import { normalizeConversionAction } from '../../shared/schemas/google-ads';
import type { RowOutcome } from '../delivery/types';
import type { RetractionSpec } from './definition';
import { googleAdsUpload, googleDateTime, googleRowOutcome, partialFailureOutcomes } from './google-ads';
import { errorCodeOf } from './google-click';

export type ConversionAdjustment = {
  orderId: string;
  conversionAction: string;
  adjustmentDateTime: string;
  adjustmentType: 'RETRACTION';
};

const DAY_MS = 86_400_000;

function adjustmentOutcome(err: unknown): RowOutcome {
  const [, code] = errorCodeOf(err);
  const error = { code, message: String((err as { message?: string }).message ?? code) };
  // Already withdrawn: our own replay.
  if (code === 'CONVERSION_ALREADY_RETRACTED') return { status: 'sent', note: code };
  // Google holds no such conversion (it matched no click of its own): nothing to withdraw there.
  if (code === 'CONVERSION_NOT_FOUND') return { status: 'unmatched', error };
  if (code === 'TOO_RECENT_CONVERSION' || code === 'TOO_RECENT_CONVERSION_ACTION')
    return { status: 'error', failure: { class: 'too_recent', error } };
  return googleRowOutcome(err);
}

export const googleAdsRetraction: RetractionSpec<GoogleAdsSettings, ConversionAdjustment> = {
  batchLimit: 2000,
  maxAgeMs: 54 * DAY_MS,

  async prepare(row, s, now) {
    const action = normalizeConversionAction(row.conversion.conversionAction ?? s.conversionActionId);
    if (!action || !/^\d+$/.test(action))
      return {
        ok: false,
        reason: 'invalid',
        message: `conversion action "${row.conversion.conversionAction}" is not a Google conversion action ID`,
      };
    // After the conversion (Google refuses ADJUSTMENT_PRECEDES_CONVERSION), never ahead of now.
    const conversionMs = Math.min(row.eventTime * 1000, now);
    const at = Math.min(Math.max((row.retractAt ?? now / 1000) * 1000, conversionMs + 1000), now);
    return {
      ok: true,
      item: {
        orderId: row.id,
        conversionAction: `customers/${s.customerId}/conversionActions/${action}`,
        adjustmentDateTime: googleDateTime(at),
        adjustmentType: 'RETRACTION',
      },
    };
  },

  buildRequest: (items, ctx) => googleAdsUpload(ctx, 'uploadConversionAdjustments', 'conversionAdjustments', items),
  parseResponse: (res, items, ctx) =>
    partialFailureOutcomes(
      res,
      items.length,
      ctx,
      ['conversion_adjustments', 'conversionAdjustments'],
      adjustmentOutcome,
    ),
};
