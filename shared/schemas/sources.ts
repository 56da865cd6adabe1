import { z } from 'zod';

// Wire format of /api/sources: a CRM connected as a source of people's attributes. Settings are a
// discriminated union on `type`; credentials are sealed at rest and masked in every response.

export const SOURCE_TYPES = ['hubspot', 'salesforce'] as const;
export type SourceTypeName = (typeof SOURCE_TYPES)[number];

/** Every `hs_lifecyclestage_*_date` HubSpot keeps by default, so stage timestamps arrive without configuration. */
export const HUBSPOT_LIFECYCLE_DATES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
].map((s) => `hs_lifecyclestage_${s}_date`);

export const HUBSPOT_DEFAULT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'phone',
  'company',
  'jobtitle',
  'city',
  'state',
  'zip',
  'country',
  'lifecyclestage',
  'hs_lead_status',
  ...HUBSPOT_LIFECYCLE_DATES,
  'hs_analytics_source',
];

const secret = z.string().min(8).max(2048);
const url = z.string().url().max(500);
const propertyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'a property name is letters, digits and _');

export const hubspotSettingsSchema = z
  .strictObject({
    /** A private app's access token. */
    accessToken: secret.optional(),
    /** OAuth (a public app): the refresh token is exchanged for access tokens and saved again when it rotates. */
    clientId: z.string().min(1).max(200).optional(),
    clientSecret: secret.optional(),
    refreshToken: secret.optional(),
    /** The app's client secret that signs webhooks (v3); defaults to clientSecret. */
    webhookSecret: secret.optional(),
    /** Deals are applied to their associated contacts as `deal.dealstage`, `deal.amount`, `deal.closedate`. */
    objects: z
      .array(z.enum(['contacts', 'deals']))
      .min(1)
      .max(2)
      .optional(),
    properties: z.array(propertyName).min(1).max(200).optional(),
    endpoint: url.optional(),
    tokenEndpoint: url.optional(),
  })
  .refine((s) => !!s.accessToken || (!!s.clientId && !!s.clientSecret && !!s.refreshToken), {
    message: 'HubSpot needs accessToken (a private app) or clientId, clientSecret and refreshToken (OAuth)',
  });

export const SALESFORCE_OBJECTS = ['Lead', 'Contact', 'Opportunity'] as const;
export type SalesforceObjectName = (typeof SALESFORCE_OBJECTS)[number];
/** The REST API version used when none is set, written as Salesforce writes it in Setup and in its versions list. */
export const SALESFORCE_API_VERSION = '62.0';

/** The fields read when none are chosen (Email is always read for Lead and Contact: it names the person). */
export const SALESFORCE_DEFAULT_FIELDS: Record<SalesforceObjectName, string[]> = {
  Lead: [
    'Email',
    'FirstName',
    'LastName',
    'Phone',
    'Company',
    'Title',
    'City',
    'State',
    'PostalCode',
    'Country',
    'Status',
    'LeadSource',
    'IsConverted',
    'ConvertedDate',
    'CreatedDate',
  ],
  Contact: [
    'Email',
    'FirstName',
    'LastName',
    'Phone',
    'Title',
    'Department',
    'MailingCity',
    'MailingState',
    'MailingPostalCode',
    'MailingCountry',
    'LeadSource',
    'CreatedDate',
    'Account.Name',
  ],
  // CurrencyIsoCode is added when the org has multi-currency (the field then exists on Opportunity).
  Opportunity: ['StageName', 'Amount', 'CloseDate', 'IsWon', 'IsClosed', 'Type', 'LeadSource', 'CreatedDate'],
};

// A field API name (custom ones end in __c) or one parent hop (`Account.Name`, `Owner__r.Region__c`):
// what SOQL reads without a subquery.
const sfField = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$/,
    'a field name like Status, Custom__c or Account.Name',
  );
const sfFields = z.array(sfField).min(1).max(100);
const trimmedUrl = url.transform((u) => u.replace(/\/+$/, ''));
// Salesforce's own domains: the instance URL receives the client secret, so it may not point anywhere
// else (other origins go through `endpoint` / `tokenEndpoint`, guarded by ALLOW_CUSTOM_ENDPOINTS).
const SALESFORCE_HOST = /(^|\.)(salesforce\.com|force\.com|salesforce\.mil|cloudforce\.com)$/;
const instanceUrl = trimmedUrl.refine((u) => {
  const h = new URL(u);
  return h.protocol === 'https:' && SALESFORCE_HOST.test(h.hostname.toLowerCase()) && !h.username && !h.password;
}, 'instanceUrl is your My Domain, https://<my-domain>.my.salesforce.com');

export const salesforceSettingsSchema = z
  .strictObject({
    instanceUrl,
    /** The connected app's consumer key and secret. */
    clientId: z.string().min(1).max(300),
    clientSecret: secret,
    /** With it, the refresh-token grant; without, the client-credentials flow. */
    refreshToken: secret.optional(),
    flow: z.enum(['refresh_token', 'client_credentials']).optional(),
    /** "62.0" as Salesforce writes it; "v62.0" (as in its URLs) is accepted and stored as "62.0". */
    apiVersion: z
      .string()
      .regex(/^v?\d{2,3}\.0$/, 'apiVersion looks like "62.0"')
      .transform((v) => v.replace(/^v/, ''))
      .optional(),
    objects: z.array(z.enum(SALESFORCE_OBJECTS)).min(1).max(3).optional(),
    /** Per object; absent: SALESFORCE_DEFAULT_FIELDS. */
    fields: z
      .strictObject({ Lead: sfFields.optional(), Contact: sfFields.optional(), Opportunity: sfFields.optional() })
      .optional(),
    /** Records per SOQL batch (Salesforce takes 200 to 2,000). */
    pageSize: z.number().int().min(200).max(2000).optional(),
    /** A first sync of more records of one object than this reads through Bulk API 2.0. */
    bulkThreshold: z.number().int().min(0).optional(),
    endpoint: trimmedUrl.optional(),
    tokenEndpoint: trimmedUrl.optional(),
  })
  .refine(
    (s) =>
      (s.flow ?? (s.refreshToken ? 'refresh_token' : 'client_credentials')) !== 'refresh_token' || !!s.refreshToken,
    {
      message: 'the refresh_token flow needs refreshToken',
    },
  );
export type SalesforceSettingsInput = z.output<typeof salesforceSettingsSchema>;

/** How far back the first sync reaches (days); null: everything. */
export const backfillDaysSchema = z.union([z.literal(7), z.literal(30), z.literal(90), z.null()]);

const base = { name: z.string().trim().min(1).max(100), backfillDays: backfillDaysSchema.optional() };

export const sourceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hubspot'), ...base, settings: hubspotSettingsSchema }),
  z.strictObject({ type: z.literal('salesforce'), ...base, settings: salesforceSettingsSchema }),
]);
export type SourceInput = z.output<typeof sourceSchema>;

/** PATCH: settings are merged onto the stored ones (a secret not sent is kept), then validated again. */
export const sourcePatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  backfillDays: backfillDaysSchema.optional(),
  paused: z.boolean().optional(),
});

export const settingsSchemas = { hubspot: hubspotSettingsSchema, salesforce: salesforceSettingsSchema } as const;

export const SECRET_SOURCE_SETTINGS: Record<SourceTypeName, string[]> = {
  hubspot: ['accessToken', 'clientSecret', 'refreshToken', 'webhookSecret'],
  salesforce: ['clientSecret', 'refreshToken'],
};

export function maskSourceSettings(type: SourceTypeName, settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const key of SECRET_SOURCE_SETTINGS[type])
    if (typeof out[key] === 'string')
      out[key] = (out[key] as string).length >= 20 ? `****${(out[key] as string).slice(-4)}` : '****';
  return out;
}

export type SourceStatus = 'idle' | 'running' | 'waiting' | 'paused' | 'stopped' | 'error';

export interface RunCounts {
  read: number;
  applied: number;
  rejected: number;
  suppressed: number;
  apiCalls: number;
  pages: number;
}

export interface SourceRun extends RunCounts {
  jobId: string;
  trigger: 'schedule' | 'manual' | 'webhook' | 'created';
  startedAt: string;
  finishedAt: string | null;
}

/** GET /api/sources/{id}. */
export interface SourceView {
  id: string;
  type: SourceTypeName;
  name: string;
  settings: Record<string, unknown>;
  backfillDays: number | null;
  status: SourceStatus;
  paused: boolean;
  lastSyncedAt: string | null;
  cursor: Record<string, unknown> | null;
  currentRun: SourceRun | null;
  lastRun: SourceRun | null;
  lastError: { kind: string; message: string; platformMessage: string | null; at: string } | null;
  fieldIssues: { field: string; reason: string; at: string }[];
  nextRunAt: string | null;
  createdAt: string;
}
