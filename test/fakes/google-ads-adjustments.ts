// Google Ads API fake, ConversionAdjustmentUploadService (conversion_adjustment_upload_service.proto,
// conversion_adjustment_upload_error.proto v25): POST /v{N}/customers/{cid}:uploadConversionAdjustments
// with partialFailure required, <= 2,000 adjustments, a known ConversionAction resource name, an
// adjustmentDateTime with its zone after the conversion, orderId xor gclidDateTimePair, no
// restatementValue on a retraction, and the conversion's own state: found, not already retracted,
// at least 24 hours and at most 54 days old.
import { adsFailure, rpcError } from './google-common';
import { isObject } from './rules';
import type { FakeReply } from './server';

export const MAX_ADJUSTMENTS = 2000;
export const ADJUSTMENT_KEYS = [
  'gclidDateTimePair',
  'orderId',
  'conversionAction',
  'adjustmentDateTime',
  'adjustmentType',
  'restatementValue',
  'userIdentifiers',
  'userAgent',
];
export const ADJUSTMENT_BODY_KEYS = ['conversionAdjustments', 'partialFailure', 'validateOnly', 'jobId'];
export const ADJUSTMENT_TYPES = ['RETRACTION', 'RESTATEMENT', 'ENHANCEMENT'];
const HOUR = 3_600_000;

export interface AdjustmentState {
  /** Conversions stored by the upload service: `<action id>|<orderId>` -> conversion time (ms). */
  orders: Map<string, number>;
  /** Retractions applied, in arrival order. */
  adjustments: Record<string, unknown>[];
  retracted: Set<string>;
}

export function uploadConversionAdjustments(
  body: unknown,
  version: number,
  state: AdjustmentState,
  ctx: { conversionActionIds: string[]; now: number; parseDateTime(s: string): number | null },
): FakeReply {
  const fail = (code: Record<string, string>, message: string) =>
    rpcError(400, message, [adsFailure(version, [{ errorCode: code, message }])]);
  if (!isObject(body)) return rpcError(400, 'Invalid JSON payload received.');
  const extra = Object.keys(body).filter((k) => !ADJUSTMENT_BODY_KEYS.includes(k));
  if (extra.length)
    return rpcError(400, `Invalid JSON payload received. Unknown name "${extra[0]}": Cannot find field.`);
  if (body.partialFailure !== true)
    return fail(
      { partialFailureError: 'PARTIAL_FAILURE_MODE_REQUIRED' },
      'The partial failure field must be set to true.',
    );
  const list = body.conversionAdjustments;
  if (!Array.isArray(list) || !list.length)
    return fail({ requestError: 'REQUIRED_FIELD_MISSING' }, 'conversionAdjustments is required.');
  if (list.length > MAX_ADJUSTMENTS)
    return fail(
      { conversionAdjustmentUploadError: 'TOO_MANY_ADJUSTMENTS_IN_REQUEST' },
      'Try uploading fewer than 2001 adjustments in a single API request.',
    );
  const validateOnly = body.validateOnly === true;
  const errors: unknown[] = [];
  const results: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  list.forEach((a, i) => {
    const issue = adjustmentIssue(a, seen, state, ctx);
    if (issue) {
      errors.push({
        errorCode: issue.code,
        message: issue.message,
        location: { fieldPathElements: [{ fieldName: 'conversion_adjustments', index: i }] },
      });
      results.push({});
      return;
    }
    const adj = a as Record<string, unknown>;
    results.push({
      conversionAction: adj.conversionAction,
      adjustmentDateTime: adj.adjustmentDateTime,
      adjustmentType: adj.adjustmentType,
      orderId: adj.orderId,
    });
    if (validateOnly) return;
    state.adjustments.push(adj);
    state.retracted.add(orderKey(adj));
  });
  const out: Record<string, unknown> = validateOnly
    ? {}
    : { results, jobId: String(2 ** 31 + state.adjustments.length) };
  if (errors.length)
    out.partialFailureError = {
      code: 3,
      message: `${errors.length} adjustment(s) failed.`,
      details: [adsFailure(version, errors)],
    };
  return { status: 200, body: out };
}

const orderKey = (a: Record<string, unknown>) => `${/(\d+)$/.exec(String(a.conversionAction))?.[1]}|${a.orderId}`;

function adjustmentIssue(
  a: unknown,
  seen: Set<string>,
  state: AdjustmentState,
  ctx: { conversionActionIds: string[]; now: number; parseDateTime(s: string): number | null },
): { code: Record<string, string>; message: string } | null {
  const err = (code: string, message: string) => ({ code: { conversionAdjustmentUploadError: code }, message });
  if (!isObject(a)) return { code: { requestError: 'INVALID_INPUT' }, message: 'an adjustment must be an object' };
  const extra = Object.keys(a).filter((k) => !ADJUSTMENT_KEYS.includes(k));
  if (extra.length) return { code: { fieldError: 'INVALID_VALUE' }, message: `Unknown field(s) ${extra.join(', ')}` };
  if (!ADJUSTMENT_TYPES.includes(a.adjustmentType as string))
    return {
      code: { fieldError: 'INVALID_VALUE' },
      message: 'adjustmentType must be RETRACTION, RESTATEMENT or ENHANCEMENT',
    };
  const action =
    typeof a.conversionAction === 'string'
      ? /^customers\/\d+\/conversionActions\/(\d+)$/.exec(a.conversionAction)
      : null;
  if (!action || !ctx.conversionActionIds.includes(action[1]!))
    return err(
      'NO_CONVERSION_ACTION_FOUND',
      'The conversion action specified in the adjustment request cannot be found.',
    );
  const at = typeof a.adjustmentDateTime === 'string' ? ctx.parseDateTime(a.adjustmentDateTime) : null;
  if (at === null)
    return {
      code: { dateError: 'INVALID_FIELD_FORMAT' },
      message: 'adjustmentDateTime must be yyyy-mm-dd hh:mm:ss+hh:mm',
    };
  if (a.orderId !== undefined && a.gclidDateTimePair !== undefined)
    return err('GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET', 'Cannot set both gclid_date_time_pair and order_id.');
  if (typeof a.orderId !== 'string' || !a.orderId)
    return err('CONVERSION_NOT_FOUND', 'This fake finds conversions by orderId only.');
  if (a.adjustmentType === 'RETRACTION' && a.restatementValue !== undefined)
    return {
      code: { fieldError: 'VALUE_MUST_BE_UNSET' },
      message: 'restatementValue should not be supplied for retractions.',
    };
  if (a.adjustmentType === 'RETRACTION' && (a.userIdentifiers !== undefined || a.userAgent !== undefined))
    return {
      code: { fieldError: 'VALUE_MUST_BE_UNSET' },
      message: 'user identifiers and user agent only go with enhancements.',
    };
  const key = orderKey(a);
  if (seen.has(key)) return err('DUPLICATE_ADJUSTMENT_IN_REQUEST', 'The request adjusts this conversion twice.');
  seen.add(key);
  const convertedAt = state.orders.get(key);
  if (convertedAt === undefined)
    return err(
      'CONVERSION_NOT_FOUND',
      'The conversion for this conversion action and conversion identifier cannot be found.',
    );
  if (state.retracted.has(key)) return err('CONVERSION_ALREADY_RETRACTED', 'The conversion was already retracted.');
  if (at < convertedAt)
    return err('ADJUSTMENT_PRECEDES_CONVERSION', 'The adjustment_date_time is before the conversion.');
  if (ctx.now - convertedAt < 24 * HOUR)
    return err('TOO_RECENT_CONVERSION', 'Try adjusting a conversion that occurred at least 24 hours ago.');
  if (ctx.now - convertedAt > 54 * 24 * HOUR)
    return err('CONVERSION_EXPIRED', 'Adjustment can’t be made to a conversion that occurred more than 54 days ago.');
  return null;
}
