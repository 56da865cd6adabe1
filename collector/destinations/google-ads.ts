// Google Ads API uploadClickConversions (ad-platforms.md §2): one ClickConversion per row, <= 2,000
// a request, partialFailure: true with per-row errors mapped back by index, orderId = entry id,
// validateOnly in test mode, login-customer-id for manager access. OAuth scope adwords.
import { hashFor } from '../../shared/normalize';
import type { GoogleAdsSettings } from '../../shared/schemas/destinations';
import { normalizeConversionAction } from '../../shared/schemas/google-ads';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { same } from '../delivery/http';
import type { HttpRequest, HttpResponse, RowOutcome, SendContext } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';
import { errorCodeOf, GOOGLE_ALREADY_SENT, GOOGLE_TOO_RECENT, GOOGLE_UNMATCHED, googleClick } from './google-click';
import { googleRequestFailure } from './google-errors';

export type ClickConversion = Record<string, unknown> & { orderId: string };

/** yyyy-mm-dd hh:mm:ss+00:00 */
export function googleDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

export function googleRowOutcome(err: unknown): RowOutcome {
  const [kind, code] = errorCodeOf(err);
  const error = { code, message: String((err as { message?: string }).message ?? code) };
  if (GOOGLE_ALREADY_SENT.includes(code)) return { status: 'sent', note: code };
  if (GOOGLE_UNMATCHED.includes(code)) return { status: 'unmatched', error };
  if (GOOGLE_TOO_RECENT.includes(code)) return { status: 'error', failure: { class: 'too_recent', error } };
  if (code === 'RESOURCE_EXHAUSTED') return { status: 'error', failure: { class: 'daily_quota', error } };
  if (code === 'RESOURCE_TEMPORARILY_EXHAUSTED') return { status: 'error', failure: { class: 'rate_limited', error } };
  if (kind === 'internalError') return { status: 'error', failure: { class: 'transient', error } };
  return { status: 'error', failure: { class: 'permanent', error } };
}

/** One upload to a customer's Google Ads service method, with partial failure (and validateOnly in test mode). */
export function googleAdsUpload(
  ctx: SendContext<GoogleAdsSettings>,
  method: string,
  listField: string,
  items: unknown[],
): HttpRequest {
  const s = ctx.settings;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${ctx.accessToken ?? ''}`,
  };
  if (s.loginCustomerId) headers['login-customer-id'] = s.loginCustomerId;
  const body: Record<string, unknown> = { [listField]: items, partialFailure: true };
  if (ctx.mode === 'test') body.validateOnly = true;
  return {
    method: 'POST',
    url: `${baseUrl(ctx.endpoint, 'https://googleads.googleapis.com')}/${s.apiVersion}/customers/${s.customerId}:${method}`,
    headers,
    body,
  };
}

/** An upload's row outcomes: each partial-failure error lands on the row its field path names (once). */
export function partialFailureOutcomes(
  res: HttpResponse,
  count: number,
  ctx: SendContext<GoogleAdsSettings>,
  listFields: string[],
  outcomeOf: (err: unknown) => RowOutcome,
): RowOutcome[] {
  if (res.status !== 200) return same(count, { status: 'error', failure: googleRequestFailure(res, ctx.now) });
  const out: RowOutcome[] = same(count, { status: 'sent' });
  const body = res.body as { partialFailureError?: { details?: { errors?: unknown[] }[] } };
  for (const err of body?.partialFailureError?.details?.flatMap((d) => d.errors ?? []) ?? []) {
    const path =
      (err as { location?: { fieldPathElements?: { fieldName: string; index?: number }[] } }).location
        ?.fieldPathElements ?? [];
    const index = path.find((p) => listFields.includes(p.fieldName))?.index;
    if (
      index !== undefined &&
      index < count &&
      out[index]!.status === 'sent' &&
      !(out[index] as { note?: string }).note
    )
      out[index] = outcomeOf(err);
  }
  return out;
}

export const googleAds: DestinationDefinition<GoogleAdsSettings, ClickConversion> = {
  type: 'google_ads',
  label: 'Google Ads API (uploadClickConversions)',
  batchLimit: 2000,
  maxEventAgeMs: () => null,
  sendsInTest: true,
  oauth: {
    tokenUrl: 'https://oauth2.googleapis.com/token',
    scope: 'https://www.googleapis.com/auth/adwords',
    grant: (s) => ({ clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken }),
  },

  async prepare(row, s, now) {
    const consent = effectiveConsent(row, s.defaultConsent);
    if (consent === 'denied') return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    const click = googleClick(row.touches, eventMs);
    const ids: Record<string, string>[] = [];
    const email = await hashFor('google', 'email', row.email);
    if (email) ids.push({ userIdentifierSource: 'FIRST_PARTY', hashedEmail: email });
    const phone = row.identifiers?.phone ? await hashFor('google', 'phone', row.identifiers.phone) : null;
    if (phone) ids.push({ userIdentifierSource: 'FIRST_PARTY', hashedPhoneNumber: phone });
    if (!click && !ids.length)
      return {
        ok: false,
        reason: 'no_identifier',
        message: 'no Google click id and no email or phone Google can match',
      };
    // Conversions saved before the schema normalized resource names may still hold one.
    const action = normalizeConversionAction(row.conversion.conversionAction ?? s.conversionActionId);
    if (!action || !/^\d+$/.test(action))
      return {
        ok: false,
        reason: 'invalid',
        message: `conversion action "${row.conversion.conversionAction}" is not a Google conversion action ID`,
      };
    const item: ClickConversion = {
      conversionAction: `customers/${s.customerId}/conversionActions/${action}`,
      conversionDateTime: googleDateTime(eventMs),
      orderId: row.id,
      ...(click ? { [click.kind]: click.value } : {}),
      ...(ids.length ? { userIdentifiers: ids } : {}),
      // Unknown consent is sent as unknown: no consent field (UNSPECIFIED).
      ...(consent === 'granted' ? { consent: { adUserData: 'GRANTED' } } : {}),
    };
    const { value, currency } = conversionValue(row);
    if (value !== undefined) item.conversionValue = value;
    if (currency) item.currencyCode = currency;
    return { ok: true, item };
  },

  buildRequest: (items, ctx) => googleAdsUpload(ctx, 'uploadClickConversions', 'conversions', items),

  parseResponse: (res, items, ctx) => partialFailureOutcomes(res, items.length, ctx, ['conversions'], googleRowOutcome),
};
