// Google Ads API fake: POST /v{N}/customers/{cid}:uploadClickConversions (ad-platforms.md §2):
// bearer token from its own /token endpoint, login-customer-id, partialFailure required, at most 2,000
// conversions, one click id each, hashed identifiers, per-row errors in partialFailureError.
// (Over 300 lines: one platform's documented rules in one place, as the other fakes.)
import { uploadConversionAdjustments, type AdjustmentState } from './google-ads-adjustments';
import { FakeOAuth } from './oauth';
import {
  adsFailure,
  CLICK_ID,
  CLICK_KEYS,
  clickIssue,
  GOOGLE_TOKEN_PATH,
  googleFaultReply,
  rpcError,
  type ClickRegistry,
} from './google-common';
import { isObject, SHA256_HEX } from './rules';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './server';

export const MAX_CONVERSIONS = 2000;
export const CONVERSION_KEYS = [
  'gclid',
  'gbraid',
  'wbraid',
  'conversionAction',
  'conversionDateTime',
  'conversionValue',
  'currencyCode',
  'orderId',
  'externalAttributionData',
  'customVariables',
  'cartData',
  'userIdentifiers',
  'conversionEnvironment',
  'consent',
  'customerType',
];
export const BODY_KEYS = ['conversions', 'partialFailure', 'validateOnly', 'jobId'];
export const GOOGLE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;

export interface GoogleAdsFakeOptions {
  customerId: string;
  conversionActionIds: string[];
  loginCustomerId?: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now?: () => number;
  minVersion?: number;
  /** The newest version Google serves (a later one does not exist yet: 404). */
  maxVersion?: number;
}

export interface GoogleAdsFake extends FakeServer {
  /** Clicks Google knows (id -> click ms); `strictClicks` makes unknown ids CLICK_NOT_FOUND. */
  registry: ClickRegistry;
  oauth: FakeOAuth;
  /** Conversions Google stored (not validateOnly), in arrival order. */
  conversions: Record<string, unknown>[];
  /** Emails (hashed) Google cannot match to a click: email-only rows with them get CLICK_NOT_FOUND. */
  unmatchedEmails: Set<string>;
  /** Adjustments (retractions) Google applied, in arrival order. */
  adjustments: Record<string, unknown>[];
  /** A conversionUploadError forced on the row with this orderId. */
  rowErrors: Map<string, string>;
}

export function parseGoogleDateTime(s: string): number | null {
  const m = GOOGLE_DATE_TIME.exec(s);
  if (!m) return null;
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const offset = (m[7] === '+' ? 1 : -1) * (+m[8]! * 60 + +m[9]!) * 60_000;
  return utc - offset;
}

export async function startGoogleAdsFake(opts: GoogleAdsFakeOptions): Promise<GoogleAdsFake> {
  const now = opts.now ?? Date.now;
  const oauth = new FakeOAuth({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    refreshToken: opts.refreshToken,
    scope: 'https://www.googleapis.com/auth/adwords',
    expiresIn: 3599,
    now,
  });
  const conversions: Record<string, unknown>[] = [];
  // orderId -> conversion time, shared with the adjustment service (retractions find conversions by it).
  const adjustments: AdjustmentState = { orders: new Map(), adjustments: [], retracted: new Set() };
  const orderIds = adjustments.orders;
  const clickTimes = new Set<string>();
  const state = {
    clicks: new Map<string, number>(),
    strictClicks: false,
    unmatchedEmails: new Set<string>(),
    rowErrors: new Map<string, string>(),
  };
  let version = 26;

  function rowIssue(
    c: unknown,
    i: number,
    seenOrders: Set<string>,
  ): { code: Record<string, string>; message: string; field?: string } | null {
    const err = (code: string, message: string, field?: string) => ({
      code: { conversionUploadError: code },
      message,
      field,
    });
    if (!isObject(c))
      return { code: { requestError: 'INVALID_INPUT' }, message: `conversions[${i}] must be an object` };
    const extra = Object.keys(c).filter((k) => !CONVERSION_KEYS.includes(k));
    if (extra.length) return { code: { fieldError: 'INVALID_VALUE' }, message: `Unknown field(s) ${extra.join(', ')}` };
    const action =
      typeof c.conversionAction === 'string'
        ? /^customers\/\d+\/conversionActions\/(\d+)$/.exec(c.conversionAction)
        : null;
    if (!action || !opts.conversionActionIds.includes(action[1]!))
      return err('NO_CONVERSION_ACTION_FOUND', 'The conversion action cannot be found.', 'conversion_action');
    const at = typeof c.conversionDateTime === 'string' ? parseGoogleDateTime(c.conversionDateTime) : null;
    if (at === null)
      return {
        code: { dateError: 'INVALID_FIELD_FORMAT' },
        message: 'conversionDateTime must be yyyy-mm-dd hh:mm:ss+hh:mm',
        field: 'conversion_date_time',
      };
    const clicks = CLICK_KEYS.filter((k) => c[k] !== undefined);
    if (c.gbraid !== undefined && c.wbraid !== undefined)
      return err('GBRAID_WBRAID_BOTH_SET', 'Both gbraid and wbraid are set.', 'wbraid');
    if (clicks.length > 1)
      return {
        code: { fieldError: 'VALUE_MUST_BE_UNSET' },
        message: 'At most one of gclid, gbraid and wbraid can be set.',
        field: clicks[1],
      };
    const click = clicks[0];
    if (click && (typeof c[click] !== 'string' || !CLICK_ID.test(c[click] as string)))
      return err(`UNPARSEABLE_${click.toUpperCase()}`, `The ${click} could not be decoded.`, click);
    const ids = c.userIdentifiers;
    if (ids !== undefined) {
      if (!Array.isArray(ids) || ids.length > 5)
        return err('INVALID_USER_IDENTIFIER', 'userIdentifiers must be a list of at most 5.', 'user_identifiers');
      for (const u of ids) {
        if (!isObject(u))
          return err('INVALID_USER_IDENTIFIER', 'A user identifier must be an object.', 'user_identifiers');
        const keys = Object.keys(u).filter((k) => k !== 'userIdentifierSource');
        if (keys.length !== 1 || !['hashedEmail', 'hashedPhoneNumber'].includes(keys[0]!))
          return err(
            'UNSUPPORTED_USER_IDENTIFIER',
            'Only hashedEmail or hashedPhoneNumber, one per identifier.',
            'user_identifiers',
          );
        if (typeof u[keys[0]!] !== 'string' || !SHA256_HEX.test(u[keys[0]!] as string))
          return err(
            'INVALID_USER_IDENTIFIER',
            'Hashed identifiers must be SHA-256 lowercase hex.',
            'user_identifiers',
          );
        if (
          u.userIdentifierSource !== undefined &&
          !['FIRST_PARTY', 'THIRD_PARTY', 'UNSPECIFIED'].includes(u.userIdentifierSource as string)
        )
          return err('INVALID_USER_IDENTIFIER', 'Unknown userIdentifierSource.', 'user_identifiers');
      }
    }
    if (!click && !(Array.isArray(ids) && ids.length))
      return err('INVALID_USER_IDENTIFIER', 'A conversion needs a click id or user identifiers.', 'user_identifiers');
    if (
      c.conversionValue !== undefined &&
      (typeof c.conversionValue !== 'number' || !Number.isFinite(c.conversionValue))
    )
      return {
        code: { fieldError: 'INVALID_VALUE' },
        message: 'conversionValue must be a number',
        field: 'conversion_value',
      };
    if (c.currencyCode !== undefined && (typeof c.currencyCode !== 'string' || !/^[A-Z]{3}$/.test(c.currencyCode)))
      return {
        code: { fieldError: 'INVALID_VALUE' },
        message: 'currencyCode must be ISO 4217',
        field: 'currency_code',
      };
    if (c.consent !== undefined) {
      if (!isObject(c.consent) || c.consent.adPersonalization !== undefined)
        return {
          code: { fieldError: 'INVALID_VALUE' },
          message: 'Only consent.adUserData can be set on a conversion.',
          field: 'consent',
        };
      if (!['GRANTED', 'DENIED', 'UNSPECIFIED', 'UNKNOWN'].includes(c.consent.adUserData as string))
        return {
          code: { fieldError: 'INVALID_VALUE' },
          message: 'consent.adUserData must be GRANTED or DENIED',
          field: 'consent',
        };
    }
    const orderId = c.orderId;
    if (orderId !== undefined) {
      if (typeof orderId !== 'string' || !orderId)
        return err('INVALID_ORDER_ID', 'orderId must be a string', 'order_id');
      if (orderId.includes('@')) return err('ORDER_ID_CONTAINS_PII', 'The order id contains PII.', 'order_id');
      if (seenOrders.has(orderId))
        return err('DUPLICATE_ORDER_ID', 'The request holds this order id twice.', 'order_id');
      seenOrders.add(orderId);
      const forced = state.rowErrors.get(orderId);
      if (forced) return err(forced, `Forced by the fake: ${forced}`);
      if (orderIds.has(`${action[1]}|${orderId}`))
        return err('ORDER_ID_ALREADY_IN_USE', 'This order id has already been used.', 'order_id');
    }
    if (click) {
      const issue = clickIssue(state, c[click] as string, at, now());
      if (issue) return err(issue, `Conversion upload error ${issue}.`, click);
      if (clickTimes.has(`${c[click]}|${at}`))
        return err(
          'CLICK_CONVERSION_ALREADY_EXISTS',
          'A conversion for this click and time already exists.',
          'conversion_date_time',
        );
    } else {
      const emails = (ids as Record<string, unknown>[]).map((u) => u.hashedEmail);
      if (emails.some((e) => typeof e === 'string' && state.unmatchedEmails.has(e)))
        return err('CLICK_NOT_FOUND', 'The user identifiers did not match a click.', 'user_identifiers');
    }
    return null;
  }

  function handle(req: FakeRequest): FakeReply {
    if (req.path === GOOGLE_TOKEN_PATH) return oauth.handleToken(req);
    const m = /^\/v(\d+)\/customers\/([^/:]+):(uploadClickConversions|uploadConversionAdjustments)$/.exec(req.path);
    if (!m) return rpcError(404, `The requested URL ${req.path} was not found on this server.`);
    version = +m[1]!;
    if (version < (opts.minVersion ?? 23))
      return rpcError(404, `Version v${version} is deprecated. Requests to this version will be blocked.`);
    if (version > (opts.maxVersion ?? 26))
      return rpcError(404, `The requested URL ${req.path} was not found on this server.`);
    if (req.method !== 'POST') return rpcError(404, 'Method not found.');
    if (!oauth.isValidBearer(req.headers)) return googleFaultReply(401, {}, version);
    const fail = (status: number, code: Record<string, string>, message: string) =>
      rpcError(status, message, [adsFailure(version, [{ errorCode: code, message }])]);
    const login = req.headers['login-customer-id'];
    if (login !== undefined && !/^\d{10}$/.test(login))
      return fail(400, { requestError: 'INVALID_CUSTOMER_ID' }, 'login-customer-id must be 10 digits without dashes.');
    if (opts.loginCustomerId && login !== opts.loginCustomerId)
      return fail(
        403,
        { authorizationError: 'USER_PERMISSION_DENIED' },
        "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.",
      );
    if (!/^\d{10}$/.test(m[2]!)) return fail(400, { requestError: 'INVALID_CUSTOMER_ID' }, 'Invalid customer ID.');
    if (m[2] !== opts.customerId)
      return fail(
        403,
        { authorizationError: 'USER_PERMISSION_DENIED' },
        "User doesn't have permission to access customer.",
      );
    const body = req.json;
    if (m[3] === 'uploadConversionAdjustments')
      return uploadConversionAdjustments(body, version, adjustments, {
        conversionActionIds: opts.conversionActionIds,
        now: now(),
        parseDateTime: parseGoogleDateTime,
      });
    if (!isObject(body)) return rpcError(400, 'Invalid JSON payload received.');
    const extra = Object.keys(body).filter((k) => !BODY_KEYS.includes(k));
    if (extra.length)
      return rpcError(400, `Invalid JSON payload received. Unknown name "${extra[0]}": Cannot find field.`);
    if (body.partialFailure !== true)
      return fail(
        400,
        { partialFailureError: 'PARTIAL_FAILURE_MODE_REQUIRED' },
        'The partial failure field must be set to true.',
      );
    if (!Array.isArray(body.conversions) || !body.conversions.length)
      return fail(400, { requestError: 'REQUIRED_FIELD_MISSING' }, 'conversions is required.');
    if (body.conversions.length > MAX_CONVERSIONS)
      return fail(
        400,
        { conversionUploadError: 'TOO_MANY_CONVERSIONS_IN_REQUEST' },
        'The request contains more than 2000 conversions.',
      );
    if (
      body.jobId !== undefined &&
      (!Number.isInteger(body.jobId) || (body.jobId as number) < 1 || (body.jobId as number) >= 2 ** 31)
    )
      return fail(400, { conversionUploadError: 'INVALID_JOB_ID' }, 'jobId must be in [1, 2^31).');
    const validateOnly = body.validateOnly === true;
    const errors: unknown[] = [];
    const results: Record<string, unknown>[] = [];
    const seenOrders = new Set<string>();
    body.conversions.forEach((c, i) => {
      const issue = rowIssue(c, i, seenOrders);
      if (issue) {
        errors.push({
          errorCode: issue.code,
          message: issue.message,
          location: {
            fieldPathElements: [
              { fieldName: 'conversions', index: i },
              ...(issue.field ? [{ fieldName: issue.field }] : []),
            ],
          },
        });
        results.push({});
        return;
      }
      const conv = c as Record<string, unknown>;
      const click = CLICK_KEYS.find((k) => conv[k] !== undefined);
      results.push({
        ...(click ? { [click]: conv[click] } : {}),
        conversionAction: conv.conversionAction,
        conversionDateTime: conv.conversionDateTime,
        ...(conv.userIdentifiers ? { userIdentifiers: conv.userIdentifiers } : {}),
      });
      if (validateOnly) return;
      conversions.push(conv);
      const action = /(\d+)$/.exec(conv.conversionAction as string)![1];
      if (conv.orderId)
        orderIds.set(`${action}|${conv.orderId}`, parseGoogleDateTime(conv.conversionDateTime as string)!);
      if (click) clickTimes.add(`${conv[click]}|${parseGoogleDateTime(conv.conversionDateTime as string)}`);
    });
    const out: Record<string, unknown> = validateOnly ? {} : { results, jobId: String(2 ** 31 + conversions.length) };
    if (errors.length)
      out.partialFailureError = {
        code: 3,
        message: `${errors.length} conversion(s) failed.`,
        details: [adsFailure(version, errors)],
      };
    return { status: 200, headers: { 'request-id': `req-${Date.now()}` }, body: out };
  }

  const control = (b: Record<string, unknown>) => {
    if (b.action === 'rowError' && typeof b.orderId === 'string' && typeof b.code === 'string')
      return (state.rowErrors.set(b.orderId, b.code), true);
    if (b.action === 'expireTokens') return (oauth.expireAll(), true);
    return false;
  };
  const server = await startFakeServer({
    handle,
    errorFor: (s, f) => googleFaultReply(s, f, version),
    isTokenPath: (p) => p === GOOGLE_TOKEN_PATH,
    snapshot: () => conversions,
    control,
  });
  return Object.assign(server, {
    oauth,
    conversions,
    adjustments: adjustments.adjustments,
    registry: state,
    unmatchedEmails: state.unmatchedEmails,
    rowErrors: state.rowErrors,
  });
}
