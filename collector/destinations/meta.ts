// Meta Conversions API (ad-platforms.md §1): one event per row, <= 1,000 a request, fbc/fbp, hashed
// user data, test_event_code in test mode. One bad event rejects a whole batch, so items are checked
// here first and a refused batch is split by the outbox.
import { hashFor, type IdentityField } from '../../shared/normalize';
import { metaCookieValue } from '../../shared/meta-cookie';
import type { MetaSettings } from '../../shared/schemas/destinations';
import { deviceFor, DAY_MS, metaFbc, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, retryAfterMs, same, statusFailure } from '../delivery/http';
import type { ConversionConfig, Failure, RowOutcome } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export const META_ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
];
const HASHED_FIELDS: [IdentityField, string][] = [
  ['phone', 'ph'],
  ['first_name', 'fn'],
  ['last_name', 'ln'],
  ['city', 'ct'],
  ['state', 'st'],
  ['zip', 'zp'],
  ['country', 'country'],
  ['gender', 'ge'],
  ['birthdate', 'db'],
  ['external_id', 'external_id'],
];
const RATE_LIMIT_CODES = [4, 17, 32, 613, 80004];
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/;

export type MetaEvent = Record<string, unknown> & { event_id: string };

function maxAgeMs(c: ConversionConfig): number {
  return (c.actionSource === 'physical_store' ? 62 : 7) * DAY_MS;
}

export const meta: DestinationDefinition<MetaSettings, MetaEvent> = {
  type: 'meta',
  label: 'Meta Conversions API',
  batchLimit: 1000,
  maxEventAgeMs: maxAgeMs,
  sendsInTest: true,
  modeIssue: (s, mode) =>
    mode === 'test' && !s.testEventCode
      ? 'test mode needs settings.testEventCode (Events Manager > Test events)'
      : null,

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const actionSource = row.conversion.actionSource ?? 'system_generated';
    if (!META_ACTION_SOURCES.includes(actionSource))
      return { ok: false, reason: 'invalid', message: `unknown action_source ${actionSource}` };
    const eventTime = Math.min(row.eventTime, Math.floor(now / 1000));
    if (now - eventTime * 1000 > maxAgeMs(row.conversion))
      return {
        ok: false,
        reason: 'too_old',
        message: `Meta takes events up to ${maxAgeMs(row.conversion) / DAY_MS} days old`,
      };
    const user: Record<string, unknown> = {};
    const em = await hashFor('meta', 'email', row.email);
    if (em) user.em = [em];
    for (const [field, key] of HASHED_FIELDS) {
      const raw = row.identifiers?.[field];
      const hash = raw ? await hashFor('meta', field, raw) : null;
      if (hash) user[key] = key === 'ph' || key === 'external_id' ? [hash] : hash;
    }
    const click = newestTouch(row.touches, ['fbclid'], eventTime * 1000);
    if (click) user.fbc = metaFbc(click);
    const fbp = newestTouch(row.touches, ['fbp'], eventTime * 1000);
    // An fbp whose fifth part is no appendix Meta's builder accepts is dropped, as that builder does.
    const fbpValue = fbp ? metaCookieValue(fbp.value) : null;
    if (fbpValue) user.fbp = fbpValue;
    const device = deviceFor(row.devices, click ?? fbp);
    if (device?.ip && IP.test(device.ip)) user.client_ip_address = device.ip;
    if (device?.userAgent) user.client_user_agent = device.userAgent;
    if (!user.em && !user.ph && !user.external_id && !user.fbc && !user.fbp)
      return { ok: false, reason: 'no_identifier', message: 'no email, phone, external id, fbc or fbp Meta can match' };
    const event: MetaEvent = {
      event_name: row.conversion.eventName ?? 'Lead',
      event_time: eventTime,
      event_id: row.id,
      action_source: actionSource,
      user_data: user,
    };
    if (actionSource === 'website') {
      const url = (
        click ??
        newestTouch(
          row.touches,
          row.touches.map((t) => t.kind),
          eventTime * 1000,
        )
      )?.landingUrl;
      if (!url || !/^https?:\/\//.test(url) || !user.client_user_agent)
        return {
          ok: false,
          reason: 'invalid',
          message: 'website events need the landing URL and user agent of a visit',
        };
      event.event_source_url = url;
    }
    const { value, currency } = conversionValue(row);
    if (value !== undefined || currency)
      event.custom_data = { ...(value !== undefined ? { value } : {}), ...(currency ? { currency } : {}) };
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    const url = `${baseUrl(ctx.endpoint, 'https://graph.facebook.com')}/${s.apiVersion}/${s.pixelId}/events?access_token=${encodeURIComponent(s.accessToken)}`;
    const body: Record<string, unknown> = { data: items, partner_agent: 'open-conversions' };
    if (ctx.mode === 'test') body.test_event_code = s.testEventCode;
    return { method: 'POST', url, headers: { 'content-type': 'application/json' }, body };
  },

  parseResponse(res, items, ctx): RowOutcome[] {
    const body = res.body as Record<string, any> | null;
    if (res.status === 200 && body && body.events_received === items.length)
      return same(items.length, { status: 'sent' });
    const e = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : null;
    const error = e
      ? {
          code: `${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}`,
          message: String(e.error_user_msg ?? e.message ?? 'error'),
        }
      : {
          code: `HTTP_${res.status}`,
          message:
            res.status === 200 ? `events_received ${body?.events_received} of ${items.length}` : errorText(res.body),
        };
    let failure: Failure;
    const after = retryAfterMs(res.headers, ctx.now);
    const extra = after === undefined ? {} : { retryAfterMs: after };
    if (e && RATE_LIMIT_CODES.includes(e.code)) failure = { class: 'rate_limited', error, ...extra };
    else if (e && (e.code === 190 || e.code === 102)) failure = { class: 'unauthorized', error };
    else if (e?.is_transient || (e && (e.code === 1 || e.code === 2)))
      failure = { class: 'transient', error, ...extra };
    else if (res.status === 200) failure = { class: 'transient', error };
    else if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 401 && items.length > 1)
      failure = { class: 'batch_rejected', error };
    else failure = statusFailure(res, error, ctx.now);
    return same(items.length, { status: 'error', failure });
  },
};
