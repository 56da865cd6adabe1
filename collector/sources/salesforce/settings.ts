// Salesforce source settings. The framework decrypts them and hands them to the connector, which
// parses them again here (defaults filled, malformed values refused before any call is made).
import { z } from 'zod';

export const SALESFORCE_OBJECTS = ['Lead', 'Contact', 'Opportunity'] as const;
export type SalesforceObject = (typeof SALESFORCE_OBJECTS)[number];

export const DEFAULT_FIELDS: Record<SalesforceObject, string[]> = {
  Lead: ['Email', 'FirstName', 'LastName', 'Phone', 'Company', 'Title', 'City', 'State', 'PostalCode', 'Country', 'Status', 'LeadSource', 'IsConverted', 'ConvertedDate', 'CreatedDate'],
  Contact: ['Email', 'FirstName', 'LastName', 'Phone', 'Title', 'Department', 'MailingCity', 'MailingState', 'MailingPostalCode', 'MailingCountry', 'LeadSource', 'CreatedDate', 'Account.Name'],
  // CurrencyIsoCode is added when the org has multi-currency (the field then exists on Opportunity).
  Opportunity: ['StageName', 'Amount', 'CloseDate', 'IsWon', 'IsClosed', 'Type', 'LeadSource', 'CreatedDate'],
};

// A field or one parent hop (`Account.Name`): what SOQL accepts without a subquery.
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$/;
const fieldList = z.array(z.string().regex(FIELD, 'a field name like Status, Custom__c or Account.Name')).max(100);

const url = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

export const salesforceSettings = z
  .object({
    /** https://<my-domain>.my.salesforce.com */
    instanceUrl: url.refine((u) => u.startsWith('https://'), 'instanceUrl must be https://<my-domain>.my.salesforce.com'),
    clientId: z.string().min(1, 'clientId (the connected app consumer key) is required'),
    clientSecret: z.string().min(1, 'clientSecret (the connected app consumer secret) is required'),
    /** With a refresh token the refresh_token grant is used; without, the client-credentials flow. */
    refreshToken: z.string().min(1).optional(),
    apiVersion: z.string().regex(/^v\d{2,3}\.0$/, 'apiVersion looks like v62.0').default('v62.0'),
    objects: z.array(z.enum(SALESFORCE_OBJECTS)).min(1).default([...SALESFORCE_OBJECTS]),
    fields: z.object({ Lead: fieldList.optional(), Contact: fieldList.optional(), Opportunity: fieldList.optional() }).strict().default({}),
    /** Records per SOQL batch (Salesforce allows 200–2,000). */
    pageSize: z.number().int().min(200).max(2000).default(1000),
    /** A first run estimated above this many records of one object goes through Bulk API 2.0. */
    bulkThreshold: z.number().int().min(0).default(10_000),
    /** Overrides of the API and token origins (tests, proxies); the framework guards them with ALLOW_CUSTOM_ENDPOINTS. */
    endpoint: url.optional(),
    tokenEndpoint: url.optional(),
  })
  .strict();

export type SalesforceSettings = z.infer<typeof salesforceSettings>;

/** Secret settings, masked by the framework when it shows a source. */
export const SALESFORCE_SECRETS = ['clientSecret', 'refreshToken'] as const;

/** The fields queried for an object: the configured list (or the default), Email always included. */
export function fieldsOf(s: SalesforceSettings, object: SalesforceObject): string[] {
  const list = s.fields[object] ?? DEFAULT_FIELDS[object];
  const out = object === 'Opportunity' ? [...list] : ['Email', ...list];
  return [...new Set(out)].filter((f) => !['Id', 'SystemModstamp'].includes(f));
}
