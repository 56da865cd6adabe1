// ChatGPT (OpenAI) Ads Conversions API (developers.openai.com/ads/conversions-api): POST
// /v1/events?pid={pixel} with a Conversions API key as Bearer, {validate_only, events} with <= 1,000
// events; one invalid event fails the whole batch, so a refused batch is split. Each event: id = the
// entry id (OpenAI deduplicates on id + type, also against the pixel), a standard type or custom,
// timestamp_ms within 7 days, user.email_sha256 / external_id_sha256 / country / ip_address /
// user_agent, and data in the shape of its type (lead_created: customer_action) with the amount in
// the currency's minor units. OpenAI's click reference (oppref) is not sent: how it reaches a site is
// not documented by OpenAI. Test mode sends validate_only: true (validated, nothing saved).
import { countryCode, hashFor } from '../../shared/normalize';
import type { OpenAIAdsSettings } from '../../shared/schemas/destinations';
import { DAY_MS, deviceFor, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, retryAfterMs, same, statusFailure } from '../delivery/http';
import type { Failure } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export type OpenAIAdsEvent = Record<string, unknown> & { id: string; type: string };

const MAX_AGE_MS = 7 * DAY_MS;
// Standard events and the data shape each carries.
export const OPENAI_EVENT_SHAPES: Record<string, string> = {
  page_viewed: 'contents',
  contents_viewed: 'contents',
  items_added: 'contents',
  checkout_started: 'contents',
  order_created: 'contents',
  lead_created: 'customer_action',
  registration_completed: 'customer_action',
  appointment_scheduled: 'customer_action',
  subscription_created: 'plan_enrollment',
  trial_started: 'plan_enrollment',
};
export const OPENAI_ACTION_SOURCES = ['web', 'mobile_app', 'offline', 'physical_store', 'phone_call', 'email', 'other'];
// ISO 4217 currencies without minor units, and with three.
export const ZERO_DECIMALS = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
];
export const THREE_DECIMALS = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/;

/** OpenAI's action_source for a conversion's (Meta's vocabulary, the API's): the same channel, else other. */
export function openaiActionSource(actionSource: string | undefined): string | undefined {
  if (!actionSource) return undefined;
  const a = actionSource.toLowerCase();
  if (a === 'website') return 'web';
  if (a === 'app') return 'mobile_app';
  return OPENAI_ACTION_SOURCES.includes(a) ? a : 'other';
}

/** An amount in the currency's minor units (12.5 USD -> 1250, 1250 JPY -> 1250). */
export function minorUnits(value: number, currency: string): number {
  const digits = ZERO_DECIMALS.includes(currency) ? 0 : THREE_DECIMALS.includes(currency) ? 3 : 2;
  return Math.round(value * 10 ** digits);
}

export const openaiAds: DestinationDefinition<OpenAIAdsSettings, OpenAIAdsEvent> = {
  type: 'openai_ads',
  label: 'ChatGPT Ads Conversions API',
  batchLimit: 1000,
  maxEventAgeMs: () => MAX_AGE_MS,
  sendsInTest: true,

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    if (now - eventMs > MAX_AGE_MS)
      return { ok: false, reason: 'too_old', message: 'ChatGPT Ads takes events up to 7 days old' };
    const name = (row.conversion.eventName ?? 'lead_created').trim();
    const standard = OPENAI_EVENT_SHAPES[name.toLowerCase()];
    if (!standard && (!name || name.length > 100))
      return { ok: false, reason: 'invalid', message: 'a custom event name is 1 to 100 characters' };
    const actionSource = openaiActionSource(row.conversion.actionSource);
    const user: Record<string, unknown> = {};
    const email = await hashFor('openai', 'email', row.email);
    if (email) user.email_sha256 = email;
    const external = row.identifiers?.external_id
      ? await hashFor('openai', 'external_id', row.identifiers.external_id)
      : null;
    if (external) user.external_id_sha256 = external;
    const country = row.identifiers?.country ? countryCode(row.identifiers.country) : null;
    if (country) user.country = country.toUpperCase();
    const device = deviceFor(row.devices, null);
    if (device?.ip && IP.test(device.ip)) user.ip_address = device.ip;
    if (device?.userAgent) user.user_agent = device.userAgent;
    if (!user.email_sha256 && !user.external_id_sha256)
      return { ok: false, reason: 'no_identifier', message: 'no email or external id ChatGPT Ads can match' };
    const event: OpenAIAdsEvent = { id: row.id, type: standard ? name.toLowerCase() : 'custom', timestamp_ms: eventMs };
    if (!standard) event.custom_event_name = name;
    if (actionSource) {
      event.action_source = actionSource;
      if (actionSource === 'web') {
        // Web events need the page: the landing URL of the newest visit.
        const url = newestTouch(
          row.touches,
          row.touches.map((t) => t.kind),
          eventMs,
        )?.landingUrl;
        if (!url || !/^https?:\/\//.test(url))
          return { ok: false, reason: 'invalid', message: 'web events need the landing URL of a visit' };
        event.source_url = url;
      }
    }
    event.user = user;
    const data: Record<string, unknown> = { type: standard ?? 'custom' };
    const { value, currency } = conversionValue(row);
    // The amount goes with its currency, in minor units.
    if (value !== undefined && value >= 0 && currency)
      Object.assign(data, { amount: minorUnits(value, currency), currency });
    event.data = data;
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, 'https://bzr.openai.com')}/v1/events?pid=${encodeURIComponent(s.pixelId)}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.apiKey}` },
      body: { validate_only: ctx.mode === 'test', events: items },
    };
  },

  parseResponse(res, items, ctx) {
    if (res.status >= 200 && res.status < 300)
      return same(items.length, {
        status: 'sent',
        ...(ctx.mode === 'test' ? { note: 'test: validated by ChatGPT Ads (validate_only), not saved' } : {}),
      });
    const b = res.body as { error?: { message?: string; code?: string | null; type?: string } | string } | null;
    const e = b && typeof b === 'object' ? b.error : undefined;
    const error = {
      code: (typeof e === 'object' && e?.code) || `HTTP_${res.status}`,
      message: typeof e === 'string' ? e : (e?.message ?? errorText(res.body)),
    };
    let failure: Failure;
    // One invalid event fails the whole batch: split it to find the event.
    if ((res.status === 400 || res.status === 422) && items.length > 1) failure = { class: 'batch_rejected', error };
    else if (res.status === 429) {
      const after = retryAfterMs(res.headers, ctx.now);
      failure = { class: 'rate_limited', error, ...(after === undefined ? {} : { retryAfterMs: after }) };
    } else failure = statusFailure(res, error, ctx.now);
    return same(items.length, { status: 'error', failure });
  },
};
