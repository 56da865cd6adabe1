// What the destination form asks for, per platform: each setting's label, what it is and where to
// find it. Setting names are the contract's (ARCHITECTURE.md §5); secrets are never shown again.
import { GOOGLE_ADS_DEFAULT_VERSION, GOOGLE_ADS_SUPPORTED_VERSIONS } from '../../shared/schemas/google-ads';

export interface SettingField {
  name: string;
  label: string;
  help: string;
  secret?: boolean;
  optional?: boolean;
}

export interface PlatformForm {
  type:
    'meta' | 'google_data_manager' | 'google_ads' | 'linkedin' | 'microsoft_ads' | 'reddit' | 'tiktok' | 'openai_ads';
  label: string;
  intro: string;
  fields: SettingField[];
}

const GOOGLE_OAUTH: SettingField[] = [
  {
    name: 'loginCustomerId',
    label: 'Manager account ID',
    optional: true,
    help: 'Only when you reach the account through a manager (MCC) account: that manager’s 10-digit ID, dashes allowed.',
  },
  {
    name: 'clientId',
    label: 'OAuth client ID',
    help: 'Google Cloud console → APIs & Services → Credentials → your OAuth 2.0 client (ends in .apps.googleusercontent.com).',
  },
  {
    name: 'clientSecret',
    label: 'OAuth client secret',
    secret: true,
    help: 'Shown with the OAuth client in the Google Cloud console.',
  },
];

export const PLATFORM_FORMS: PlatformForm[] = [
  {
    type: 'meta',
    label: 'Meta (Conversions API)',
    intro: 'Sends server events to a Meta pixel / dataset through the Conversions API.',
    fields: [
      {
        name: 'pixelId',
        label: 'Pixel (dataset) ID',
        help: 'Events Manager → Data sources → your pixel → Settings: the numeric ID.',
      },
      {
        name: 'accessToken',
        label: 'Access token',
        secret: true,
        help: 'Events Manager → your pixel → Settings → Conversions API → Generate access token (or a system-user token with the pixel assigned).',
      },
      {
        name: 'testEventCode',
        label: 'Test event code',
        optional: true,
        help: 'Events Manager → Test events: the TEST… code. Used in test mode only; Meta still records test events.',
      },
    ],
  },
  {
    type: 'google_data_manager',
    label: 'Google Ads (Data Manager API)',
    intro:
      'Offline conversions for Google Ads through the Data Manager API (OAuth scope datamanager, no developer token).',
    fields: [
      {
        name: 'customerId',
        label: 'Google Ads customer ID',
        help: 'The account that owns the conversion action: the 10-digit ID at the top of Google Ads (123-456-7890).',
      },
      {
        name: 'conversionActionId',
        label: 'Conversion action ID',
        help: 'Goals → Conversions → your action: the ctId number in the page’s URL.',
      },
      ...GOOGLE_OAUTH,
      {
        name: 'refreshToken',
        label: 'Refresh token',
        secret: true,
        help: 'From an OAuth consent with the https://www.googleapis.com/auth/datamanager scope by a user with access to the account.',
      },
    ],
  },
  {
    type: 'google_ads',
    label: 'Google Ads (Google Ads API)',
    intro: 'Click conversions uploaded through the Google Ads API (OAuth scope adwords).',
    fields: [
      {
        name: 'customerId',
        label: 'Google Ads customer ID',
        help: 'The account that owns the conversion action: the 10-digit ID at the top of Google Ads (123-456-7890).',
      },
      {
        name: 'conversionActionId',
        label: 'Conversion action ID',
        help: 'Goals → Conversions → your action: the ctId number in the page’s URL. The action must be an import of conversions from clicks (Import → CRM, files or API).',
      },
      ...GOOGLE_OAUTH,
      {
        name: 'refreshToken',
        label: 'Refresh token',
        secret: true,
        help: 'From an OAuth consent with the https://www.googleapis.com/auth/adwords scope by a user with access to the account.',
      },
      {
        name: 'apiVersion',
        label: 'API version',
        optional: true,
        help: `Google Ads API version: one of ${GOOGLE_ADS_SUPPORTED_VERSIONS.join(', ')} (versions Google has sunset are refused); leave empty for ${GOOGLE_ADS_DEFAULT_VERSION}.`,
      },
    ],
  },
  {
    type: 'linkedin',
    label: 'LinkedIn (Conversions API)',
    intro: 'Sends conversions to a LinkedIn conversion rule of type Conversions API.',
    fields: [
      {
        name: 'conversionUrn',
        label: 'Conversion rule URN',
        optional: true,
        help: 'Campaign Manager → Analyze → Conversion tracking → your rule: urn:lla:llaPartnerConversion:<id>. Or give the ID below.',
      },
      {
        name: 'conversionId',
        label: 'Conversion rule ID',
        optional: true,
        help: 'The number at the end of the rule’s URN, if you give it instead of the URN.',
      },
      {
        name: 'accessToken',
        label: 'Access token',
        secret: true,
        optional: true,
        help: 'An OAuth token with the rw_conversions scope. Or give client ID, secret and refresh token below so it is refreshed.',
      },
      {
        name: 'clientId',
        label: 'OAuth client ID',
        optional: true,
        help: 'LinkedIn Developer portal → your app → Auth.',
      },
      {
        name: 'clientSecret',
        label: 'OAuth client secret',
        secret: true,
        optional: true,
        help: 'LinkedIn Developer portal → your app → Auth.',
      },
      {
        name: 'refreshToken',
        label: 'Refresh token',
        secret: true,
        optional: true,
        help: 'From the app’s OAuth flow (approved apps only).',
      },
      {
        name: 'apiVersion',
        label: 'API version',
        optional: true,
        help: 'LinkedIn-Version header, YYYYMM; leave empty for the default.',
      },
    ],
  },
  {
    type: 'microsoft_ads',
    label: 'Microsoft Advertising (offline conversions)',
    intro:
      'Offline conversions matched by msclkid, to an offline conversion goal (create the goal ~2 hours before the first send).',
    fields: [
      {
        name: 'customerId',
        label: 'Customer ID',
        help: 'Microsoft Advertising → Accounts summary: the manager account (customer) ID.',
      },
      { name: 'accountId', label: 'Account ID', help: 'The ad account’s numeric ID (not the account number).' },
      {
        name: 'conversionGoalName',
        label: 'Offline conversion goal name',
        help: 'Tools → Conversion goals: the exact name of an offline conversion goal.',
      },
      {
        name: 'developerToken',
        label: 'Developer token',
        secret: true,
        help: 'Microsoft Advertising Developer Portal → Account → Developer token.',
      },
      {
        name: 'clientId',
        label: 'OAuth client (application) ID',
        help: 'Microsoft Entra → App registrations → your app → Application (client) ID.',
      },
      {
        name: 'clientSecret',
        label: 'OAuth client secret',
        secret: true,
        optional: true,
        help: 'Only for web apps: Certificates & secrets → client secret value.',
      },
      {
        name: 'refreshToken',
        label: 'Refresh token',
        secret: true,
        help: 'From a consent with the https://ads.microsoft.com/msads.manage scope.',
      },
    ],
  },
  {
    type: 'reddit',
    label: 'Reddit (Conversions API)',
    intro:
      'Sends conversions to a Reddit pixel through the Conversions API v3, matched by rdt_cid, the _rdt_uuid cookie and hashed email; deduplicated with the Reddit pixel by conversion_id.',
    fields: [
      {
        name: 'pixelId',
        label: 'Pixel ID',
        help: 'Reddit Ads → Events Manager → your pixel: the ID starting a2_ (or t2_).',
      },
      {
        name: 'accessToken',
        label: 'Conversion access token',
        secret: true,
        help: 'Events Manager → your pixel → Settings → Conversions API → Generate access token.',
      },
      {
        name: 'testId',
        label: 'Event Testing ID',
        optional: true,
        help: 'Events Manager → Event Testing: the test id shown there. Used in test mode only; Event Testing shows one event per request.',
      },
    ],
  },
  {
    type: 'tiktok',
    label: 'TikTok (Events API)',
    intro:
      'Sends web events to a TikTok pixel through the Events API 2.0, matched by ttclid, the _ttp cookie and hashed email / phone; deduplicated with the TikTok pixel by event_id.',
    fields: [
      {
        name: 'pixelCode',
        label: 'Pixel ID (pixel code)',
        help: 'TikTok Ads Manager → Tools → Events → Web events → your pixel: the ID under its name (capital letters and digits).',
      },
      {
        name: 'accessToken',
        label: 'Events API access token',
        secret: true,
        help: 'Events Manager → your pixel → Settings → Events API → Generate access token.',
      },
      {
        name: 'testEventCode',
        label: 'Test event code',
        optional: true,
        help: 'Events Manager → your pixel → Test events: the TEST… code. Used in test mode only.',
      },
    ],
  },
  {
    type: 'openai_ads',
    label: 'ChatGPT Ads (OpenAI Conversions API)',
    intro:
      'Sends conversions to a ChatGPT Ads pixel through OpenAI’s Conversions API, matched by hashed email (and external id, IP, user agent); deduplicated with the pixel by event id and type. Test mode validates without saving.',
    fields: [
      {
        name: 'pixelId',
        label: 'Pixel ID',
        help: 'ChatGPT Ads Manager → Conversions: the Pixel ID (the same one the measurement pixel is initialized with).',
      },
      {
        name: 'apiKey',
        label: 'Conversions API key',
        secret: true,
        help: 'Ads Manager → Conversions → Manage conversion keys → create a key (starts sk-svcacct-). An Advertiser API key from Settings → API keys does not work here.',
      },
    ],
  },
];

export function platformForm(type: string): PlatformForm | undefined {
  return PLATFORM_FORMS.find((p) => p.type === type);
}

/** The platform's name for a destination type (the type itself when the admin does not know it). */
export function platformLabel(type: string): string {
  return platformForm(type)?.label ?? type;
}

export const MODE_HELP: Record<string, string> = {
  dry_run: 'Dry run (default): the exact request is built and kept in the log; nothing is sent.',
  test: 'Test: Meta test events, Google validateOnly, Reddit Event Testing (test id), TikTok test events (test event code), ChatGPT Ads validate_only; LinkedIn and Microsoft check credentials and payloads without sending.',
  live: 'Live: conversions are sent.',
};
