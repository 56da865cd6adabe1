// A Salesforce source's settings as the connector uses them: the wire definition of
// shared/schemas/sources.ts with its defaults filled in (malformed values refused before any call).
import {
  SALESFORCE_API_VERSION,
  SALESFORCE_DEFAULT_FIELDS,
  SALESFORCE_OBJECTS,
  salesforceSettingsSchema,
  type SalesforceObjectName,
} from '../../../shared/schemas/sources';

export { SALESFORCE_OBJECTS };
export type SalesforceObject = SalesforceObjectName;
export const DEFAULT_FIELDS = SALESFORCE_DEFAULT_FIELDS;

export const salesforceSettings = salesforceSettingsSchema.transform((s) => ({
  ...s,
  flow: s.flow ?? (s.refreshToken ? ('refresh_token' as const) : ('client_credentials' as const)),
  apiVersion: s.apiVersion ?? SALESFORCE_API_VERSION,
  objects: s.objects ?? [...SALESFORCE_OBJECTS],
  fields: s.fields ?? {},
  pageSize: s.pageSize ?? 1000,
  bulkThreshold: s.bulkThreshold ?? 10_000,
}));

export type SalesforceSettings = ReturnType<typeof salesforceSettings.parse>;

/** The fields queried for an object: the configured list (or the default), Email always included. */
export function fieldsOf(s: SalesforceSettings, object: SalesforceObject): string[] {
  const list = s.fields[object] ?? DEFAULT_FIELDS[object];
  const out = object === 'Opportunity' ? [...list] : ['Email', ...list];
  return [...new Set(out)].filter((f) => !['Id', 'SystemModstamp'].includes(f));
}
