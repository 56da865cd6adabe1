// LinkedIn Conversions API (ad-platforms.md §3): BATCH_CREATE of conversionEvents with per-element
// status, conversion URN, ms times within 90 days, eventId = entry id, SHA256_EMAIL and li_fat_id.
// No test flag exists: test mode validates credentials and payloads without sending.
import { hashFor } from '../../shared/normalize';
import { linkedinUserInfo } from '../../shared/normalize-identifiers';
import type { LinkedInSettings } from '../../shared/schemas/destinations';
import { DAY_MS, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, same, statusFailure } from '../delivery/http';
import type { RowOutcome } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export type LinkedInEvent = Record<string, unknown> & { eventId: string };
const MAX_AGE_MS = 90 * DAY_MS;

export function conversionUrn(s: LinkedInSettings, override?: string): string {
  const id = override ?? s.conversionUrn ?? s.conversionId!;
  return id.startsWith('urn:') ? id : `urn:lla:llaPartnerConversion:${id}`;
}

export const linkedin: DestinationDefinition<LinkedInSettings, LinkedInEvent> = {
  type: 'linkedin',
  label: 'LinkedIn Conversions API',
  // LinkedIn's 5,000 is a third-party figure; stay well inside it.
  batchLimit: 1000,
  maxEventAgeMs: () => MAX_AGE_MS,
  sendsInTest: false,
  oauth: {
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    grant: (s) =>
      s.clientId && s.clientSecret && s.refreshToken
        ? { clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken }
        : null,
    staticToken: (s) => s.accessToken,
  },

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    if (now - eventMs > MAX_AGE_MS)
      return { ok: false, reason: 'too_old', message: 'LinkedIn takes conversions up to 90 days old' };
    const userIds: { idType: string; idValue: string }[] = [];
    const email = await hashFor('linkedin', 'email', row.email);
    if (email) userIds.push({ idType: 'SHA256_EMAIL', idValue: email });
    const click = newestTouch(row.touches, ['li_fat_id'], eventMs);
    if (click) userIds.push({ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: click.value });
    if (!userIds.length)
      return { ok: false, reason: 'no_identifier', message: 'no email or li_fat_id LinkedIn can match' };
    // First and last name (both), company, title and country, in plain text as LinkedIn takes them.
    const userInfo = linkedinUserInfo(row.identifiers ?? {});
    const event: LinkedInEvent = {
      conversion: conversionUrn(s, row.conversion.conversionAction),
      conversionHappenedAt: eventMs,
      eventId: row.id,
      user: { userIds, ...(userInfo ? { userInfo } : {}) },
    };
    const { value, currency } = conversionValue(row);
    // LinkedIn's value needs its currency; the amount is a decimal string.
    if (value !== undefined && currency) event.conversionValue = { currencyCode: currency, amount: String(value) };
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, 'https://api.linkedin.com')}/rest/conversionEvents`,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ctx.accessToken ?? ''}`,
        'linkedin-version': ctx.settings.apiVersion,
        'x-restli-protocol-version': '2.0.0',
        'x-restli-method': 'BATCH_CREATE',
      },
      body: { elements: items },
    };
  },

  parseResponse(res, items, ctx) {
    const elements = (res.body as { elements?: { status?: number; error?: { code?: string; message?: string } }[] })
      ?.elements;
    if (res.status !== 200 || !Array.isArray(elements)) {
      const b = res.body as { code?: string; message?: string };
      return same(items.length, {
        status: 'error',
        failure: statusFailure(
          res,
          { code: b?.code ?? `HTTP_${res.status}`, message: b?.message ?? errorText(res.body) },
          ctx.now,
        ),
      });
    }
    return items.map((_, i): RowOutcome => {
      const el = elements[i];
      if (el?.status === 201 || el?.status === 200) return { status: 'sent' };
      const error = {
        code: el?.error?.code ?? `HTTP_${el?.status ?? 'missing'}`,
        message: el?.error?.message ?? 'no status for this element',
      };
      const status = el?.status ?? 500;
      return {
        status: 'error',
        failure:
          status === 429
            ? { class: 'rate_limited', error }
            : status >= 500
              ? { class: 'transient', error }
              : { class: 'permanent', error },
      };
    });
  },
};
