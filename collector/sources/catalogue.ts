// The attributes a CRM source writes to people, as the audience builder names them: the source's
// prefix (`hubspot.`, `salesforce.`), then the name the connector stores, with the builder's type
// and, where the CRM lists them, an enumeration's options. Types follow what is stored: dates and
// datetimes are both ISO instants in UTC (either can be an audience's event timestamp).
export type CatalogueType = 'string' | 'enumeration' | 'number' | 'datetime' | 'date' | 'bool';

export interface CatalogueOption {
  value: string;
  label: string;
}

export interface CatalogueField {
  /** The attribute path as audiences name it, e.g. `hubspot.lifecyclestage`, `salesforce.Lead.Status`. */
  name: string;
  label: string;
  type: CatalogueType;
  options?: CatalogueOption[];
}

/** A HubSpot property type as the builder's (https://developers.hubspot.com/docs/api/crm/properties). */
export function hubspotType(type: string | undefined): CatalogueType {
  if (type === 'datetime' || type === 'date' || type === 'number' || type === 'enumeration') return type;
  if (type === 'bool' || type === 'boolean') return 'bool';
  return 'string';
}

/** A Salesforce describe type as the builder's; null for compound types that are never synced. */
export function salesforceType(type: string | undefined): CatalogueType | null {
  if (type === 'date' || type === 'datetime') return type;
  if (type === 'boolean') return 'bool';
  // A multi-select picklist is stored as Salesforce sends it, one string (`A;B`): a string, not one option.
  if (type === 'picklist') return 'enumeration';
  if (['int', 'double', 'currency', 'percent', 'long'].includes(type ?? '')) return 'number';
  if (['address', 'location', 'base64', 'anyType', 'complexvalue'].includes(type ?? '')) return null;
  return 'string';
}

/** Fields usable as an audience's event timestamp. */
export const isTimestamp = (f: CatalogueField) => f.type === 'datetime' || f.type === 'date';
