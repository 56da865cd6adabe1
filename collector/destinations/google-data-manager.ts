// Google Data Manager API events:ingest (ad-platforms.md §2.11), the default Google path: <= 2,000
// events, one destination per conversion action referenced by each event (at most 10 a request:
// TOO_MANY_DESTINATIONS), productDestinationId = the conversion action ID, transactionId = entry id,
// RFC 3339 times, HEX-encoded hashes, consent, validateOnly in test mode. Ingestion is asynchronous:
// rows stay pending_confirmation until requestStatus:retrieve says how the request ended.
import { googleMayReceiveIp } from '../../shared/ip-regions';
import { hashFor } from '../../shared/normalize';
import { googleHashedAddress } from '../../shared/normalize-identifiers';
import type { GoogleDataManagerSettings } from '../../shared/schemas/destinations';
import { normalizeConversionAction } from '../../shared/schemas/google-ads';
import { deviceFor } from '../delivery/click-choice';
import { conversionValue, effectiveConsent } from '../delivery/conversion-value';
import { same } from '../delivery/http';
import type { RowOutcome } from '../delivery/types';
import { baseUrl, rfc3339, type DestinationDefinition } from './definition';
import { GOOGLE_UNMATCHED, googleClick } from './google-click';
import { googleRequestFailure } from './google-errors';

export type DataManagerEvent = Record<string, unknown> & { transactionId: string; destinationReferences: string[] };

const origin = 'https://datamanager.googleapis.com';

export const googleDataManager: DestinationDefinition<GoogleDataManagerSettings, DataManagerEvent> = {
  type: 'google_data_manager',
  label: 'Google Ads (Data Manager API)',
  batchLimit: 2000,
  requestKeys: { max: 10, of: (e) => e.destinationReferences },
  maxEventAgeMs: () => null,
  sendsInTest: true,
  oauth: {
    tokenUrl: 'https://oauth2.googleapis.com/token',
    scope: 'https://www.googleapis.com/auth/datamanager',
    grant: (s) => ({ clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken }),
  },

  async prepare(row, s, now) {
    const consent = effectiveConsent(row, s.defaultConsent);
    if (consent === 'denied') return { ok: false, reason: 'consent_denied', message: 'ads consent denied' };
    const eventMs = Math.min(row.eventTime * 1000, now);
    const click = googleClick(row.touches, eventMs);
    const ids: Record<string, unknown>[] = [];
    const email = await hashFor('google', 'email', row.email);
    if (email) ids.push({ emailAddress: email });
    const phone = row.identifiers?.phone ? await hashFor('google', 'phone', row.identifiers.phone) : null;
    if (phone) ids.push({ phoneNumber: phone });
    const address = await googleHashedAddress(row.identifiers ?? {});
    if (address) ids.push({ address });
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
    const event: DataManagerEvent = {
      destinationReferences: [action],
      transactionId: row.id,
      eventTimestamp: rfc3339(eventMs),
    };
    // Unknown consent is sent as unknown: no consent field (CONSENT_STATUS_UNSPECIFIED).
    if (consent === 'granted') event.consent = { adUserData: 'CONSENT_GRANTED' };
    if (ids.length) event.userData = { userIdentifiers: ids };
    if (click) {
      const device = deviceFor(row.devices, click);
      const info = {
        ...(device?.userAgent ? { userAgent: device.userAgent } : {}),
        ...(device?.ip && googleMayReceiveIp(device.country) ? { ipAddress: device.ip } : {}),
      };
      event.adIdentifiers = {
        [click.kind]: click.value,
        ...(Object.keys(info).length ? { landingPageDeviceInfo: info } : {}),
      };
    }
    const { value, currency } = conversionValue(row);
    if (value !== undefined) event.conversionValue = value;
    if (currency) event.currency = currency;
    return { ok: true, item: event };
  },

  buildRequest(items, ctx) {
    const s = ctx.settings;
    const actions = [...new Set(items.flatMap((e) => e.destinationReferences))];
    const destinations = actions.map((action) => ({
      reference: action,
      ...(s.loginCustomerId ? { loginAccount: { accountType: 'GOOGLE_ADS', accountId: s.loginCustomerId } } : {}),
      operatingAccount: { accountType: 'GOOGLE_ADS', accountId: s.customerId },
      productDestinationId: action,
    }));
    const body: Record<string, unknown> = { destinations, events: items, encoding: 'HEX' };
    if (ctx.mode === 'test') body.validateOnly = true;
    return {
      method: 'POST',
      url: `${baseUrl(ctx.endpoint, origin)}/v1/events:ingest`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.accessToken ?? ''}` },
      body,
    };
  },

  parseResponse(res, items, ctx) {
    if (res.status === 200) {
      const requestId = (res.body as { requestId?: string })?.requestId;
      if (requestId) return same(items.length, { status: 'pending_confirmation', requestId });
      return same(items.length, {
        status: 'sent',
        note: ctx.mode === 'test' ? 'validated (validateOnly)' : 'accepted without a request id',
      });
    }
    const failure = googleRequestFailure(res, ctx.now);
    // A BadRequest names the bad events; the request as a whole was refused, so the others are
    // resent without them.
    const violations = (
      (res.body as { error?: { details?: { fieldViolations?: { field?: string; description?: string }[] }[] } })?.error
        ?.details ?? []
    ).flatMap((d) => d.fieldViolations ?? []);
    const bad = new Map<number, string>();
    for (const v of violations) {
      const m = /^events\[(\d+)\]/.exec(v.field ?? '');
      if (m) bad.set(+m[1]!, `${v.field}: ${v.description}`);
    }
    if (res.status !== 400 || !bad.size) return same(items.length, { status: 'error', failure });
    return items.map((_, i): RowOutcome =>
      bad.has(i)
        ? {
            status: 'error',
            failure: { class: 'permanent', error: { code: 'INVALID_ARGUMENT', message: bad.get(i)! } },
          }
        : {
            status: 'error',
            failure: {
              class: 'batch_rejected',
              error: { code: 'BATCH_REJECTED', message: 'another event in the request was invalid' },
            },
          },
    );
  },

  status: {
    buildRequest(requestId, ctx) {
      return {
        method: 'GET',
        url: `${baseUrl(ctx.endpoint, origin)}/v1/requestStatus:retrieve?requestId=${encodeURIComponent(requestId)}`,
        headers: { authorization: `Bearer ${ctx.accessToken ?? ''}` },
      };
    },
    parseResponse(res, requestId, ctx): RowOutcome {
      if (res.status !== 200) return { status: 'error', failure: googleRequestFailure(res, ctx.now) };
      const per =
        (
          res.body as {
            requestStatusPerDestination?: {
              requestStatus?: string;
              errorInfo?: { errorCounts?: { reason?: string; recordCount?: string }[] };
            }[];
          }
        )?.requestStatusPerDestination ?? [];
      const statuses = per.map((p) => p.requestStatus ?? 'REQUEST_STATUS_UNKNOWN');
      if (!statuses.length || statuses.some((s) => s === 'PROCESSING' || s === 'REQUEST_STATUS_UNKNOWN'))
        return { status: 'pending_confirmation', requestId };
      const reasons = per.flatMap((p) => p.errorInfo?.errorCounts ?? []).map((c) => `${c.reason} x${c.recordCount}`);
      if (statuses.every((s) => s === 'SUCCESS')) return { status: 'sent' };
      const error = { code: statuses.join(','), message: reasons.join('; ') || 'no reason given' };
      if (statuses.every((s) => s === 'FAILED')) {
        const all = per.flatMap((p) => p.errorInfo?.errorCounts ?? []);
        if (all.length && all.every((c) => GOOGLE_UNMATCHED.includes(c.reason ?? '')))
          return { status: 'unmatched', error };
        return { status: 'error', failure: { class: 'permanent', error } };
      }
      // Google reports counts, not which events failed: the request is recorded as sent, with them.
      return { status: 'sent', note: `partial success: ${error.message}` };
    },
  },
};
