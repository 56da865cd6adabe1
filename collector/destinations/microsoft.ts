// Microsoft Advertising offline conversions (ad-platforms.md §4.1), REST: <= 1,000 a call, MSCLKID,
// ConversionTime in UTC within 90 days, PartialErrors by index. No test flag exists: test mode
// validates credentials and payloads without sending.
import { hashFor } from '../../shared/normalize';
import type { MicrosoftAdsSettings } from '../../shared/schemas/destinations';
import { DAY_MS, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, retryAfterMs, same, statusFailure } from '../delivery/http';
import type { RowOutcome } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export type OfflineConversion = Record<string, unknown>;
const MAX_AGE_MS = 90 * DAY_MS;
const MSCLKID = /^[0-9a-fA-F]{32}/;

export const microsoftAds: DestinationDefinition<MicrosoftAdsSettings, OfflineConversion> = {
  type: 'microsoft_ads',
  label: 'Microsoft Advertising offline conversions',
  batchLimit: 1000,
  maxEventAgeMs: () => MAX_AGE_MS,
  sendsInTest: false,
  oauth: {
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    scope: 'https://ads.microsoft.com/msads.manage offline_access',
    grant: (s) => ({
      clientId: s.clientId,
      ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
      refreshToken: s.refreshToken,
    }),
  },

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    if (now - eventMs > MAX_AGE_MS)
      return { ok: false, reason: 'too_old', message: 'Microsoft takes conversions up to 90 days old' };
    const click = newestTouch(row.touches, ['msclkid'], eventMs);
    const email = await hashFor('microsoft', 'email', row.email);
    const phone = row.identifiers?.phone ? await hashFor('microsoft', 'phone', row.identifiers.phone) : null;
    if (!click && !email && !phone)
      return { ok: false, reason: 'no_identifier', message: 'no MSCLKID, email or phone Microsoft can match' };
    const item: OfflineConversion = {
      ...(click ? { MicrosoftClickId: MSCLKID.exec(click.value)?.[0] ?? click.value } : {}),
      ConversionName: row.conversion.conversionAction ?? s.conversionGoalName,
      ConversionTime: new Date(Math.floor(eventMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      ...(email ? { HashedEmailAddress: email } : {}),
      ...(phone ? { HashedPhoneNumber: phone } : {}),
    };
    const { value, currency } = conversionValue(row);
    if (value !== undefined) item.ConversionValue = value;
    if (currency) item.ConversionCurrencyCode = currency;
    return { ok: true, item };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, 'https://campaign.api.bingads.microsoft.com')}/CampaignManagement/v13/OfflineConversions/Apply`,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ctx.accessToken ?? ''}`,
        developertoken: s.developerToken,
        customerid: s.customerId,
        customeraccountid: s.accountId,
      },
      body: { OfflineConversions: items },
    };
  },

  parseResponse(res, items, ctx) {
    if (res.status !== 200) {
      const b = res.body as { Errors?: { Code?: number; ErrorCode?: string; Message?: string }[] };
      const e = b?.Errors?.[0];
      const error = { code: e?.ErrorCode ?? `HTTP_${res.status}`, message: e?.Message ?? errorText(res.body) };
      if (e?.Code === 117) {
        const after = retryAfterMs(res.headers, ctx.now);
        return same(items.length, {
          status: 'error',
          failure: { class: 'rate_limited', error, ...(after === undefined ? {} : { retryAfterMs: after }) },
        });
      }
      // An invalid developer token is a 401 a new access token cannot fix.
      if (res.status === 401 && e?.ErrorCode === 'InvalidCredentials')
        return same(items.length, { status: 'error', failure: { class: 'permanent', error } });
      return same(items.length, { status: 'error', failure: statusFailure(res, error, ctx.now) });
    }
    const out: RowOutcome[] = same(items.length, { status: 'sent' });
    for (const p of (res.body as { PartialErrors?: { Index?: number; ErrorCode?: string; Message?: string }[] | null })
      ?.PartialErrors ?? []) {
      if (p.Index === undefined || p.Index >= items.length) continue;
      out[p.Index] = {
        status: 'error',
        failure: { class: 'permanent', error: { code: p.ErrorCode ?? 'BatchError', message: p.Message ?? '' } },
      };
    }
    return out;
  },
};
