// TikTok Events API 2.0 (ad-platforms.md §4.2): POST /open_api/v1.3/event/track/ with the pixel's
// Access-Token, web events of the pixel (event_source "web": our conversions follow ad clicks on the
// site; "crm" is for TikTok Instant Form leads, which carry TikTok's lead_id), event_time in seconds,
// event_id = the entry id (dedupe with the pixel), ttclid + the _ttp browser id, hashed email / phone /
// external id, IP and UA of the device that carried the click. TikTok answers HTTP 200 with a `code`:
// anything but 0 is a failure. Test mode adds test_event_code.
import { hashFor, type IdentityField } from '../../shared/normalize';
import type { TikTokSettings } from '../../shared/schemas/destinations';
import { lifetimeMs } from '../../shared/click-ids';
import { DAY_MS, deviceFor, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, retryAfterMs, same, statusFailure } from '../delivery/http';
import type { Failure } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export type TikTokEvent = Record<string, unknown> & { event_id: string };

// Unverified in TikTok's own docs: 28 days is the third-party figure of ad-platforms.md §4.2.
const MAX_AGE_MS = 28 * DAY_MS;
const HASHED: [IdentityField, string][] = [
  ['email', 'email'],
  ['phone', 'phone'],
  ['external_id', 'external_id'],
];
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/;
// TikTok Business API codes: throttled, token missing / invalid or expired, server-side errors.
const RATE_LIMITED = [40100, 40133];
const UNAUTHORIZED = [40104, 40105];
const TRANSIENT = [40700, 50000, 50002];

export const tiktok: DestinationDefinition<TikTokSettings, TikTokEvent> = {
  type: 'tiktok',
  label: 'TikTok Events API',
  // TikTok's Events API 2.0 takes up to 1,000 events in data[] (unverified from a primary source).
  batchLimit: 1000,
  maxEventAgeMs: () => MAX_AGE_MS,
  sendsInTest: true,
  modeIssue: (s, mode) =>
    mode === 'test' && !s.testEventCode
      ? 'test mode needs settings.testEventCode (Events Manager > your pixel > Test events)'
      : null,

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    if (now - eventMs > MAX_AGE_MS)
      return { ok: false, reason: 'too_old', message: 'TikTok takes events up to 28 days old' };
    const user: Record<string, unknown> = {};
    for (const [field, key] of HASHED) {
      const raw = field === 'email' ? row.email : row.identifiers?.[field];
      const hash = raw ? await hashFor('tiktok', field, raw) : null;
      if (hash) user[key] = hash;
    }
    // ttclid is worth sending within TikTok's 28-day click window.
    const click = newestTouch(row.touches, ['ttclid'], eventMs, lifetimeMs('ttclid'));
    const ttp = newestTouch(row.touches, ['ttp'], eventMs);
    if (click) user.ttclid = click.value;
    if (ttp) user.ttp = ttp.value;
    const device = deviceFor(row.devices, click ?? ttp);
    if (device?.ip && IP.test(device.ip)) user.ip = device.ip;
    if (device?.userAgent) user.user_agent = device.userAgent;
    if (!user.email && !user.phone && !user.external_id && !user.ttclid && !user.ttp)
      return {
        ok: false,
        reason: 'no_identifier',
        message: 'no email, phone, external id, ttclid or _ttp TikTok can match',
      };
    const event: TikTokEvent = {
      event: row.conversion.eventName ?? 'SubmitForm',
      event_time: Math.floor(eventMs / 1000),
      event_id: row.id,
      user,
    };
    const url = click?.landingUrl;
    if (url && /^https?:\/\//.test(url)) event.page = { url };
    const { value, currency } = conversionValue(row);
    // TikTok reads a value only with its currency.
    if (value !== undefined && currency) event.properties = { value, currency };
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    const body: Record<string, unknown> = { event_source: 'web', event_source_id: s.pixelCode, data: items };
    if (ctx.mode === 'test' && s.testEventCode) body.test_event_code = s.testEventCode;
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, 'https://business-api.tiktok.com')}/open_api/v1.3/event/track/`,
      headers: { 'content-type': 'application/json', 'access-token': s.accessToken },
      body,
    };
  },

  parseResponse(res, items, ctx) {
    const b = res.body as { code?: number; message?: string } | null;
    const code = b && typeof b === 'object' && typeof b.code === 'number' ? b.code : null;
    if (res.status === 200 && code === 0) return same(items.length, { status: 'sent' });
    const error = {
      code: code === null ? `HTTP_${res.status}` : String(code),
      message: b?.message ?? errorText(res.body),
    };
    const after = retryAfterMs(res.headers, ctx.now);
    const extra = after === undefined ? {} : { retryAfterMs: after };
    let failure: Failure;
    if (res.status === 429 || (code !== null && RATE_LIMITED.includes(code)))
      failure = { class: 'rate_limited', error, ...extra };
    else if (code !== null && UNAUTHORIZED.includes(code)) failure = { class: 'unauthorized', error };
    else if (res.status >= 500 || (code !== null && TRANSIENT.includes(code)))
      failure = { class: 'transient', error, ...extra };
    // A refused payload (40002 and the like): split the batch so only the bad event fails.
    else if (res.status === 200 && items.length > 1) failure = { class: 'batch_rejected', error };
    else if (res.status === 200) failure = { class: 'permanent', error };
    else failure = statusFailure(res, error, ctx.now);
    return same(items.length, { status: 'error', failure });
  },
};
