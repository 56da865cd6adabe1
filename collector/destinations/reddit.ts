// Reddit Conversions API v3 (ad-platforms.md §4.3): POST /api/v3/pixels/{pixel}/conversion_events with
// a conversion access token, <= 1,000 events a request, event_at in ms within 7 days, the rdt_cid click
// and the _rdt_uuid browser id, Reddit-normalized hashed email / phone / external id, IP and UA of the
// device that carried the click, metadata.conversion_id = the entry id (dedupe with the Reddit pixel).
// One invalid event refuses the whole request ("None were processed"), so a refused batch is split.
// Test mode sends data.test_id (Event Testing's id).
import { hashFor, type IdentityField } from '../../shared/normalize';
import type { RedditSettings } from '../../shared/schemas/destinations';
import { DAY_MS, deviceFor, newestTouch } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { errorText, retryAfterMs, same, statusFailure } from '../delivery/http';
import type { Failure } from '../delivery/types';
import { baseUrl, type DestinationDefinition } from './definition';

export type RedditEvent = Record<string, unknown> & { metadata: { conversion_id: string } };

export const REDDIT_ACTION_SOURCES = ['WEBSITE', 'APP', 'PHYSICAL_STORE', 'OTHER'];
export const REDDIT_TRACKING_TYPES = [
  'PAGE_VISIT',
  'VIEW_CONTENT',
  'SEARCH',
  'ADD_TO_CART',
  'ADD_TO_WISHLIST',
  'PURCHASE',
  'LEAD',
  'SIGN_UP',
];
// Value and currency are refused on these.
const NO_VALUE = ['PAGE_VISIT', 'VIEW_CONTENT', 'SEARCH'];
const MAX_AGE_MS = 7 * DAY_MS;
const HASHED: [IdentityField, string][] = [
  ['phone', 'phone_number'],
  ['external_id', 'external_id'],
];
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/;

/** Reddit's channel for a conversion's action source (Meta's vocabulary, the API's): the same channel, else OTHER. */
export function redditActionSource(actionSource: string | undefined): string {
  const upper = (actionSource ?? 'website').toUpperCase();
  return REDDIT_ACTION_SOURCES.includes(upper) ? upper : 'OTHER';
}

/** Reddit's event type: a standard tracking type (any case, - or space for _), else a custom event name. */
export function redditType(
  eventName: string | undefined,
): { tracking_type: string; custom_event_name?: string } | null {
  if (!eventName) return { tracking_type: 'LEAD' };
  const standard = eventName
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  if (REDDIT_TRACKING_TYPES.includes(standard)) return { tracking_type: standard };
  const name = eventName.trim();
  return name && name.length <= 64 ? { tracking_type: 'CUSTOM', custom_event_name: name } : null;
}

export const reddit: DestinationDefinition<RedditSettings, RedditEvent> = {
  type: 'reddit',
  label: 'Reddit Conversions API',
  batchLimit: 1000,
  maxEventAgeMs: () => MAX_AGE_MS,
  sendsInTest: true,
  modeIssue: (s, mode) =>
    mode === 'test' && !s.testId
      ? 'test mode needs settings.testId (Events Manager > your pixel > Event Testing)'
      : null,

  async prepare(row, s, now) {
    if (effectiveConsent(row, s.defaultConsent) === 'denied')
      return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    if (now - eventMs > MAX_AGE_MS)
      return { ok: false, reason: 'too_old', message: 'Reddit takes events up to 7 days old' };
    const actionSource = redditActionSource(row.conversion.actionSource);
    const type = redditType(row.conversion.eventName);
    if (!type) return { ok: false, reason: 'invalid', message: 'a custom Reddit event name is at most 64 characters' };
    const user: Record<string, unknown> = {};
    const email = await hashFor('reddit', 'email', row.email);
    if (email) user.email = email;
    for (const [field, key] of HASHED) {
      const raw = row.identifiers?.[field];
      const hash = raw ? await hashFor('reddit', field, raw) : null;
      if (hash) user[key] = hash;
    }
    const event: RedditEvent = {
      event_at: eventMs,
      action_source: actionSource,
      type,
      metadata: { conversion_id: row.id },
    };
    // Offline (store) events carry no click, browser or device ids: Reddit matches them on hashed ids.
    if (actionSource !== 'PHYSICAL_STORE') {
      const click = newestTouch(row.touches, ['rdt_cid'], eventMs);
      const uuid = newestTouch(row.touches, ['rdt_uuid'], eventMs);
      if (click) event.click_id = click.value;
      if (uuid) user.uuid = uuid.value;
      const device = deviceFor(row.devices, click ?? uuid);
      if (device?.ip && IP.test(device.ip)) user.ip_address = device.ip;
      if (device?.userAgent) user.user_agent = device.userAgent;
      const url = click?.landingUrl;
      if (actionSource === 'WEBSITE' && url && /^https?:\/\//.test(url)) event.event_source_url = url;
    }
    if (!event.click_id && !Object.keys(user).length)
      return {
        ok: false,
        reason: 'no_identifier',
        message: 'no click id, email, phone, external id, uuid or device Reddit can match',
      };
    if (Object.keys(user).length) event.user = user;
    const { value, currency } = conversionValue(row);
    // Reddit takes value and currency together, and never on page visits, content views or searches.
    if (value !== undefined && currency && !NO_VALUE.includes(type.tracking_type))
      Object.assign(event.metadata, { value, currency });
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    const data: Record<string, unknown> = { events: items };
    if (ctx.mode === 'test' && s.testId) data.test_id = s.testId;
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, 'https://ads-api.reddit.com')}/api/v3/pixels/${encodeURIComponent(s.pixelId)}/conversion_events`,
      // Reddit throttles generic user agents: name ourselves.
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${s.accessToken}`,
        'user-agent': 'open-conversions/1 (server-side conversions)',
      },
      body: { data },
    };
  },

  parseResponse(res, items, ctx) {
    if (res.status === 200) return same(items.length, { status: 'sent' });
    const b = res.body as { error?: { code?: number | string; message?: string } | string; message?: string } | null;
    const e = b && typeof b === 'object' ? b.error : undefined;
    const message = typeof e === 'string' ? e : (e?.message ?? b?.message ?? errorText(res.body));
    const error = { code: `HTTP_${res.status}`, message: String(message) };
    let failure: Failure;
    // 400: the whole request refused for the events it holds ("None were processed"): find the bad one.
    if (res.status === 400 && items.length > 1) failure = { class: 'batch_rejected', error };
    else if (res.status === 429) {
      const after = retryAfterMs(res.headers, ctx.now);
      failure = { class: 'rate_limited', error, ...(after === undefined ? {} : { retryAfterMs: after }) };
    } else failure = statusFailure(res, error, ctx.now);
    return same(items.length, { status: 'error', failure });
  },
};
