// Wire schema of a destination (POST/PATCH /api/destinations): type, mode, per-platform settings with
// the names of ARCHITECTURE §5, and which settings are secrets (encrypted at rest, masked in every
// response, redacted in the delivery log).
import { z } from 'zod';
import { googleAdsVersionSchema } from './google-ads';
import type { ConsentState } from './collect';

export const DESTINATION_TYPES = [
  'meta',
  'google_data_manager',
  'google_ads',
  'linkedin',
  'microsoft_ads',
  'reddit',
  'tiktok',
  'openai_ads',
] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];
export const MODES = ['dry_run', 'test', 'live'] as const;
export type Mode = (typeof MODES)[number];

// Google shows ids as 123-456-7890; the APIs want the 10 digits.
const googleCustomerId = z
  .string()
  .trim()
  .transform((s) => s.replace(/-/g, ''))
  .pipe(z.string().regex(/^\d{10}$/, 'a Google Ads customer id is 10 digits (dashes allowed)'));
const digits = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, `${what} is a number`);
const secret = z.string().trim().min(8, 'looks too short to be a credential').max(4096);
// What a person's unknown ads consent becomes for this destination: 'unknown' (the default) sends it
// as unknown (Google: no consent field, i.e. unspecified); 'granted' / 'denied' are the operator's
// explicit choice for their region (docs/identity.md).
export const CONSENT_DEFAULTS = ['unknown', 'granted', 'denied'] as const satisfies readonly ConsentState[];
export type ConsentDefault = ConsentState;
const consentDefault = z.enum(CONSENT_DEFAULTS).default('unknown');

export const metaSettingsSchema = z.strictObject({
  pixelId: digits('pixelId'),
  accessToken: secret,
  testEventCode: z.string().trim().min(1).max(64).optional(),
  apiVersion: z
    .string()
    .regex(/^v\d{2}\.0$/, 'apiVersion looks like v26.0')
    .default('v26.0'),
  defaultConsent: consentDefault,
});

const googleOAuth = {
  loginCustomerId: googleCustomerId.optional(),
  clientId: z.string().trim().min(1).max(512),
  clientSecret: secret,
  refreshToken: secret,
  defaultConsent: consentDefault,
};

export const googleDataManagerSettingsSchema = z.strictObject({
  customerId: googleCustomerId,
  conversionActionId: digits('conversionActionId'),
  ...googleOAuth,
});

export const googleAdsSettingsSchema = z.strictObject({
  customerId: googleCustomerId,
  conversionActionId: digits('conversionActionId'),
  apiVersion: googleAdsVersionSchema,
  ...googleOAuth,
});

export const linkedinSettingsSchema = z
  .strictObject({
    conversionUrn: z
      .string()
      .regex(/^urn:lla:llaPartnerConversion:\d+$/, 'conversionUrn looks like urn:lla:llaPartnerConversion:123')
      .optional(),
    conversionId: digits('conversionId').optional(),
    accessToken: secret.optional(),
    clientId: z.string().trim().min(1).max(512).optional(),
    clientSecret: secret.optional(),
    refreshToken: secret.optional(),
    apiVersion: z
      .string()
      .regex(/^\d{6}$/, 'apiVersion is YYYYMM, e.g. 202610')
      .default('202610'),
    defaultConsent: consentDefault,
  })
  .check((ctx) => {
    const s = ctx.value;
    const issue = (message: string, path: string) =>
      ctx.issues.push({ code: 'custom', message, path: [path], input: s });
    if (!s.conversionUrn && !s.conversionId) issue('conversionUrn or conversionId is required', 'conversionUrn');
    const oauth = s.clientId && s.clientSecret && s.refreshToken;
    if (!s.accessToken && !oauth)
      issue('accessToken, or clientId + clientSecret + refreshToken, is required', 'accessToken');
  });

export const microsoftAdsSettingsSchema = z.strictObject({
  customerId: digits('customerId'),
  accountId: digits('accountId'),
  conversionGoalName: z.string().trim().min(1).max(100),
  developerToken: secret,
  clientId: z.string().trim().min(1).max(512),
  clientSecret: secret.optional(),
  refreshToken: secret,
  defaultConsent: consentDefault,
});

// Reddit Conversions API v3: the pixel id (a2_… or t2_…) and a conversion access token from Events Manager.
export const redditSettingsSchema = z.strictObject({
  pixelId: z
    .string()
    .trim()
    .regex(/^[a-z0-9]{1,3}_[a-z0-9]{3,40}$/i, 'pixelId looks like a2_abc123 (Events Manager → your pixel)'),
  accessToken: secret,
  // Event Testing's id; sent only in test mode.
  testId: z.string().trim().min(1).max(100).optional(),
  defaultConsent: consentDefault,
});

// TikTok Events API 2.0: the pixel code (event_source_id of web events) and its Events API access token.
export const tiktokSettingsSchema = z.strictObject({
  pixelCode: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{8,40}$/, 'pixelCode is the pixel ID shown in Events Manager, e.g. CABC123DEF456GHI789J'),
  accessToken: secret,
  testEventCode: z.string().trim().min(1).max(64).optional(),
  defaultConsent: consentDefault,
});

// ChatGPT (OpenAI) Ads Conversions API: the pixel id and a Conversions API key (Ads Manager → Conversions).
export const openaiAdsSettingsSchema = z.strictObject({
  pixelId: z
    .string()
    .trim()
    .regex(/^[\w-]{4,100}$/, 'pixelId is the Pixel ID from Ads Manager → Conversions'),
  apiKey: secret,
  defaultConsent: consentDefault,
});

export const settingsSchemas = {
  meta: metaSettingsSchema,
  google_data_manager: googleDataManagerSettingsSchema,
  google_ads: googleAdsSettingsSchema,
  linkedin: linkedinSettingsSchema,
  microsoft_ads: microsoftAdsSettingsSchema,
  reddit: redditSettingsSchema,
  tiktok: tiktokSettingsSchema,
  openai_ads: openaiAdsSettingsSchema,
} as const;

export type SettingsOf<T extends DestinationType> = z.output<(typeof settingsSchemas)[T]>;
export type MetaSettings = SettingsOf<'meta'>;
export type GoogleDataManagerSettings = SettingsOf<'google_data_manager'>;
export type GoogleAdsSettings = SettingsOf<'google_ads'>;
export type LinkedInSettings = SettingsOf<'linkedin'>;
export type MicrosoftAdsSettings = SettingsOf<'microsoft_ads'>;
export type RedditSettings = SettingsOf<'reddit'>;
export type TikTokSettings = SettingsOf<'tiktok'>;
export type OpenAIAdsSettings = SettingsOf<'openai_ads'>;

/** Settings that are credentials: encrypted at rest, masked in responses, redacted in logs. */
export const SECRET_SETTINGS: Record<DestinationType, readonly string[]> = {
  meta: ['accessToken'],
  google_data_manager: ['clientSecret', 'refreshToken'],
  google_ads: ['clientSecret', 'refreshToken'],
  linkedin: ['accessToken', 'clientSecret', 'refreshToken'],
  microsoft_ads: ['developerToken', 'clientSecret', 'refreshToken'],
  reddit: ['accessToken'],
  tiktok: ['accessToken'],
  openai_ads: ['apiKey'],
};

const url = z
  .string()
  .trim()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

const base = {
  name: z.string().trim().min(1).max(200),
  mode: z.enum(MODES).default('dry_run'),
  endpoint: url.optional(),
  tokenEndpoint: url.optional(),
};

export const destinationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('meta'), ...base, settings: metaSettingsSchema }),
  z.strictObject({ type: z.literal('google_data_manager'), ...base, settings: googleDataManagerSettingsSchema }),
  z.strictObject({ type: z.literal('google_ads'), ...base, settings: googleAdsSettingsSchema }),
  z.strictObject({ type: z.literal('linkedin'), ...base, settings: linkedinSettingsSchema }),
  z.strictObject({ type: z.literal('microsoft_ads'), ...base, settings: microsoftAdsSettingsSchema }),
  z.strictObject({ type: z.literal('reddit'), ...base, settings: redditSettingsSchema }),
  z.strictObject({ type: z.literal('tiktok'), ...base, settings: tiktokSettingsSchema }),
  z.strictObject({ type: z.literal('openai_ads'), ...base, settings: openaiAdsSettingsSchema }),
]);
export type DestinationInput = z.input<typeof destinationSchema>;
export type Destination = z.output<typeof destinationSchema>;

/** A secret as shown in responses: never the value; the last 4 characters of long ones, to tell keys apart. */
export function maskSecret(value: string): string {
  return value.length >= 20 ? `****${value.slice(-4)}` : '****';
}

export function maskSettings(type: DestinationType, settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const key of SECRET_SETTINGS[type]) if (typeof out[key] === 'string') out[key] = maskSecret(out[key] as string);
  return out;
}

/**
 * The credentials a change of `endpoint` / `tokenEndpoint` must come with: every secret the
 * destination holds, entered again, so a stored credential never follows a URL it was not typed in
 * for (ARCHITECTURE §5). Empty when the endpoints did not change or all were re-entered.
 */
export function credentialsToReenter(
  type: DestinationType,
  before: { endpoint?: string; tokenEndpoint?: string; settings: Record<string, unknown> },
  after: { endpoint?: string; tokenEndpoint?: string },
  patchedSettings: Record<string, unknown> | undefined,
): string[] {
  if (before.endpoint === after.endpoint && before.tokenEndpoint === after.tokenEndpoint) return [];
  return SECRET_SETTINGS[type].filter(
    (k) => before.settings[k] !== undefined && typeof patchedSettings?.[k] !== 'string',
  );
}

/** PATCH /api/destinations/{id}: settings are merged onto the stored ones, then validated whole. */
export const destinationPatchSchema = z.strictObject({
  name: base.name.optional(),
  mode: z.enum(MODES).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  endpoint: url.nullable().optional(),
  tokenEndpoint: url.nullable().optional(),
  paused: z.boolean().optional(),
});

/** POST /api/destinations/{id}/test: who the one test event is for (defaults to a placeholder). */
export const destinationTestSchema = z.strictObject({
  email: z.string().trim().max(254).optional(),
  touches: z
    .array(z.strictObject({ kind: z.string().max(32), value: z.string().min(1).max(1000) }))
    .max(10)
    .optional(),
});
