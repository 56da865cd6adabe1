// Microsoft Advertising fake, ApplyOfflineConversionAdjustments (REST:
// POST /CampaignManagement/v13/OfflineConversionAdjustments/Apply, OfflineConversionAdjustment data
// object): <= 1,000 adjustments, AdjustmentType Retract or Restate, AdjustmentTime after the original
// ConversionTime, the original found by ConversionName + ConversionTime + MicrosoftClickId (or hashed
// email), no AdjustmentValue on a retraction, PartialErrors by Index. Error names are modeled.
import { isObject } from './rules';
import type { FakeReply } from './server';

export const MAX_ADJUSTMENTS = 1000;
export const ADJUSTMENT_KEYS = [
  'AdjustmentCurrencyCode',
  'AdjustmentTime',
  'AdjustmentType',
  'AdjustmentValue',
  'ConversionName',
  'ConversionTime',
  'HashedEmailAddress',
  'HashedPhoneNumber',
  'MicrosoftClickId',
];
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

/** The key Microsoft finds a stored conversion by. */
export const conversionKey = (c: Record<string, unknown>) =>
  `${c.ConversionName}|${c.MicrosoftClickId ?? c.HashedEmailAddress}|${Date.parse(String(c.ConversionTime))}`;

export function applyAdjustments(
  body: unknown,
  stored: Set<string>,
  retracted: Set<string>,
  applied: Record<string, unknown>[],
  now: number,
  fault: (status: number, code: number, errorCode: string, message: string) => FakeReply,
): FakeReply {
  if (!isObject(body) || !Array.isArray(body.OfflineConversionAdjustments) || !body.OfflineConversionAdjustments.length)
    return fault(400, 3, 'NullRequest', 'OfflineConversionAdjustments is required.');
  if (body.OfflineConversionAdjustments.length > MAX_ADJUSTMENTS)
    return fault(
      400,
      3,
      'OfflineConversionAdjustmentsArrayExceedsLimit',
      `At most ${MAX_ADJUSTMENTS} adjustments per call.`,
    );
  const PartialErrors: unknown[] = [];
  body.OfflineConversionAdjustments.forEach((a, Index) => {
    const issue = adjustmentIssue(a, stored, retracted, now);
    if (issue) {
      PartialErrors.push({
        Code: 0,
        Details: null,
        ErrorCode: issue[0],
        FieldPath: issue[1],
        Index,
        Message: issue[2],
        Type: 'BatchError',
      });
      return;
    }
    applied.push(a as Record<string, unknown>);
    retracted.add(conversionKey(a as Record<string, unknown>));
  });
  return { status: 200, body: { PartialErrors: PartialErrors.length ? PartialErrors : null } };
}

function adjustmentIssue(
  a: unknown,
  stored: Set<string>,
  retracted: Set<string>,
  now: number,
): [string, string, string] | null {
  if (!isObject(a)) return ['InvalidOfflineConversionAdjustment', 'OfflineConversionAdjustments', 'must be an object'];
  const extra = Object.keys(a).filter((k) => !ADJUSTMENT_KEYS.includes(k));
  if (extra.length) return ['InvalidOfflineConversionAdjustment', extra[0]!, 'Unknown field'];
  if (a.AdjustmentType !== 'Retract' && a.AdjustmentType !== 'Restate')
    return ['OfflineConversionAdjustmentTypeInvalid', 'AdjustmentType', 'AdjustmentType is Retract or Restate.'];
  if (a.AdjustmentType === 'Retract' && (a.AdjustmentValue !== undefined || a.AdjustmentCurrencyCode !== undefined))
    return [
      'OfflineConversionAdjustmentValueNotExpected',
      'AdjustmentValue',
      'A retraction carries no adjusted value.',
    ];
  if (typeof a.ConversionName !== 'string' || !a.ConversionName)
    return ['OfflineConversionNameNullOrEmpty', 'ConversionName', 'The conversion name is required.'];
  for (const k of ['ConversionTime', 'AdjustmentTime'])
    if (typeof a[k] !== 'string' || !UTC_TIME.test(a[k] as string))
      return ['OfflineConversionAdjustmentTimeInvalid', k, `${k} must be an ISO 8601 UTC time.`];
  if (a.MicrosoftClickId === undefined && a.HashedEmailAddress === undefined)
    return [
      'OfflineConversionMicrosoftClickIdInvalid',
      'MicrosoftClickId',
      'The Microsoft Click ID is invalid or missing.',
    ];
  const adjustedAt = Date.parse(a.AdjustmentTime as string);
  if (adjustedAt < Date.parse(a.ConversionTime as string))
    return [
      'OfflineConversionAdjustmentTimeBeforeConversionTime',
      'AdjustmentTime',
      'The adjustment time is before the conversion time.',
    ];
  if (adjustedAt > now + 60_000)
    return ['FutureAdjustmentTimeCannotBeSet', 'AdjustmentTime', 'The adjustment time cannot be in the future.'];
  const key = conversionKey(a);
  if (!stored.has(key))
    return [
      'OfflineConversionNotFound',
      'MicrosoftClickId',
      'No offline conversion matches this name, time and click.',
    ];
  if (retracted.has(key))
    return ['OfflineConversionAlreadyRetracted', 'AdjustmentType', 'The offline conversion was already retracted.'];
  return null;
}
