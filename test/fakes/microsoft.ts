// Microsoft Advertising fake: POST /CampaignManagement/v13/OfflineConversions/Apply (REST) with the
// headers and rules of ad-platforms.md §4.1: Bearer + DeveloperToken + CustomerId + CustomerAccountId,
// <= 1,000 conversions, MSCLKID (32 hex) unless a hashed id is sent, UTC ConversionTime within 90
// days, PartialErrors by Index. Error code numbers and names are modeled, not copied from Microsoft.
import { randomUUID } from 'node:crypto';
import { applyAdjustments, conversionKey } from './microsoft-adjustments';
import { FakeOAuth } from './oauth';
import { DAY_MS, isObject, SHA256_HEX } from './rules';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';

export const MICROSOFT_TOKEN_PATH = '/common/oauth2/v2.0/token';
export const MICROSOFT_SCOPE = 'https://ads.microsoft.com/msads.manage';
export const MAX_CONVERSIONS = 1000;
const KEYS = [
  'MicrosoftClickId',
  'ConversionName',
  'ConversionTime',
  'ConversionValue',
  'ConversionCurrencyCode',
  'ExternalAttributionCredit',
  'ExternalAttributionModel',
  'HashedEmailAddress',
  'HashedPhoneNumber',
];
const MSCLKID = /^[0-9a-fA-F]{32}$/;
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

export interface MicrosoftFakeOptions {
  customerId: string;
  accountId: string;
  developerToken: string;
  goalNames: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now?: () => number;
}

export interface MicrosoftFake extends FakeServer {
  oauth: FakeOAuth;
  /** Conversions stored and counted (duplicates of click + time are ignored, as Microsoft does). */
  conversions: Record<string, unknown>[];
  /** Conversions whose ConversionName matches no goal: accepted but never counted. */
  uncounted: Record<string, unknown>[];
  /** Adjustments (retractions) applied, in arrival order. */
  adjustments: Record<string, unknown>[];
  /** A batch error forced on the conversion with this MicrosoftClickId. */
  rowErrors: Map<string, string>;
}

const fault = (status: number, code: number, errorCode: string, message: string): FakeReply => ({
  status,
  body: {
    Type: 'AdApiFaultDetail',
    TrackingId: randomUUID(),
    Errors: [{ Code: code, ErrorCode: errorCode, Message: message }],
  },
});

export async function startMicrosoftFake(opts: MicrosoftFakeOptions): Promise<MicrosoftFake> {
  const now = opts.now ?? Date.now;
  const oauth = new FakeOAuth({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    refreshToken: opts.refreshToken,
    scope: MICROSOFT_SCOPE,
    rotate: true,
    expiresIn: 3600,
    now,
  });
  const conversions: Record<string, unknown>[] = [];
  const uncounted: Record<string, unknown>[] = [];
  const rowErrors = new Map<string, string>();
  const seen = new Set<string>();
  const stored = new Set<string>();
  const retracted = new Set<string>();
  const adjustments: Record<string, unknown>[] = [];

  function rowIssue(c: unknown): [string, string, string] | null {
    if (!isObject(c)) return ['InvalidOfflineConversion', 'OfflineConversions', 'must be an object'];
    const extra = Object.keys(c).filter((k) => !KEYS.includes(k));
    if (extra.length) return ['InvalidOfflineConversion', extra[0]!, 'Unknown field'];
    const hashed = c.HashedEmailAddress !== undefined || c.HashedPhoneNumber !== undefined;
    for (const k of ['HashedEmailAddress', 'HashedPhoneNumber'])
      if (c[k] !== undefined && (typeof c[k] !== 'string' || !SHA256_HEX.test(c[k] as string)))
        return ['OfflineConversionInvalidHashedValue', k, `${k} must be SHA-256 lowercase hex`];
    if (
      c.MicrosoftClickId === undefined
        ? !hashed
        : typeof c.MicrosoftClickId !== 'string' || !MSCLKID.test(c.MicrosoftClickId)
    )
      return [
        'OfflineConversionMicrosoftClickIdInvalid',
        'MicrosoftClickId',
        'The Microsoft Click ID is invalid or missing.',
      ];
    if (typeof c.ConversionName !== 'string' || !c.ConversionName)
      return ['OfflineConversionNameNullOrEmpty', 'ConversionName', 'The conversion name is required.'];
    if (typeof c.ConversionTime !== 'string' || !UTC_TIME.test(c.ConversionTime))
      return ['OfflineConversionTimeNullOrEmpty', 'ConversionTime', 'ConversionTime must be an ISO 8601 UTC time.'];
    const at = Date.parse(c.ConversionTime);
    if (at > now() + 60_000)
      return ['FutureConversionTimeCannotBeSet', 'ConversionTime', 'The conversion time cannot be in the future.'];
    if (now() - at > 90 * DAY_MS)
      return ['OfflineConversionTimeOutsideWindow', 'ConversionTime', 'The conversion time is more than 90 days ago.'];
    if (
      c.ConversionValue !== undefined &&
      (typeof c.ConversionValue !== 'number' || !Number.isFinite(c.ConversionValue))
    )
      return ['OfflineConversionInvalidValue', 'ConversionValue', 'ConversionValue must be a number.'];
    if (
      c.ConversionCurrencyCode !== undefined &&
      (typeof c.ConversionCurrencyCode !== 'string' || !/^[A-Z]{3}$/.test(c.ConversionCurrencyCode))
    )
      return ['OfflineConversionCurrencyCodeInvalid', 'ConversionCurrencyCode', 'Invalid currency code.'];
    const forced = typeof c.MicrosoftClickId === 'string' ? rowErrors.get(c.MicrosoftClickId) : undefined;
    if (forced) return [forced, 'MicrosoftClickId', `Forced by the fake: ${forced}`];
    return null;
  }

  function handle(req: FakeRequest): FakeReply {
    if (req.path === MICROSOFT_TOKEN_PATH) return oauth.handleToken(req);
    const adjusting = req.path === '/CampaignManagement/v13/OfflineConversionAdjustments/Apply';
    if (req.path !== '/CampaignManagement/v13/OfflineConversions/Apply' && !adjusting)
      return fault(404, 0, 'NotFound', `No route ${req.path}`);
    if (req.method !== 'POST') return fault(405, 0, 'MethodNotAllowed', 'POST only');
    if (!oauth.isValidBearer(req.headers))
      return fault(401, 109, 'AuthenticationTokenExpired', 'The OAuth access token is expired or invalid.');
    if (req.headers['developertoken'] !== opts.developerToken)
      return fault(401, 105, 'InvalidCredentials', 'The DeveloperToken is invalid.');
    if (req.headers['customerid'] !== opts.customerId)
      return fault(400, 1030, 'InvalidCustomerId', 'The CustomerId header is missing or invalid.');
    if (req.headers['customeraccountid'] !== opts.accountId)
      return fault(400, 1102, 'InvalidAccountId', 'The CustomerAccountId header is missing or invalid.');
    const body = req.json;
    if (adjusting) return applyAdjustments(body, stored, retracted, adjustments, now(), fault);
    if (!isObject(body) || !Array.isArray(body.OfflineConversions) || !body.OfflineConversions.length)
      return fault(400, 3, 'NullRequest', 'OfflineConversions is required.');
    if (body.OfflineConversions.length > MAX_CONVERSIONS)
      return fault(400, 3, 'OfflineConversionsArrayExceedsLimit', `At most ${MAX_CONVERSIONS} conversions per call.`);
    const PartialErrors: unknown[] = [];
    body.OfflineConversions.forEach((c, Index) => {
      const issue = rowIssue(c);
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
      const conv = c as Record<string, unknown>;
      const key = `${conv.MicrosoftClickId ?? conv.HashedEmailAddress}|${Date.parse(conv.ConversionTime as string)}`;
      if (seen.has(key)) return;
      seen.add(key);
      (opts.goalNames.includes(conv.ConversionName as string) ? conversions : uncounted).push(conv);
      stored.add(conversionKey(conv));
    });
    return { status: 200, body: { PartialErrors: PartialErrors.length ? PartialErrors : null } };
  }

  function errorFor(status: number, _f: Fault): FakeReply {
    if (status === 429) return fault(429, 117, 'CallRateExceeded', 'The call rate has been exceeded.');
    if (status === 401)
      return fault(401, 109, 'AuthenticationTokenExpired', 'The OAuth access token is expired or invalid.');
    return fault(status, 0, status >= 500 ? 'InternalError' : 'InvalidRequest', 'Injected failure');
  }

  const control = (b: Record<string, unknown>) => {
    if (b.action === 'rowError' && typeof b.clickId === 'string' && typeof b.code === 'string')
      return (rowErrors.set(b.clickId, b.code), true);
    if (b.action === 'expireTokens') return (oauth.expireAll(), true);
    return false;
  };
  const server = await startFakeServer({
    handle,
    errorFor,
    isTokenPath: (p) => p === MICROSOFT_TOKEN_PATH,
    snapshot: () => conversions,
    control,
  });
  return Object.assign(server, { oauth, conversions, uncounted, rowErrors, adjustments });
}
