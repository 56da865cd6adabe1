// HubSpot property values as they are stored: dates as ISO instants in UTC, numbers as numbers,
// booleans as booleans; a value that does not fit its declared type is reported and skipped.

export type PropertyTypes = Record<string, string>;

/** HubSpot sends datetimes as ISO strings (v3) or epoch milliseconds (v1 and some imports), dates as YYYY-MM-DD. */
export function hubspotTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string' || v === '') return null;
  if (/^\d{10,14}$/.test(v)) return Number(v);
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

/** A property whose name says it holds a date, for the mistyped check. */
export function looksLikeDate(name: string): boolean {
  return /_date$|^closedate$|^createdate$|^lastmodifieddate$/.test(name);
}

/** The stored value, or an issue's reason when the value does not fit the type. `null` clears the attribute. */
export function convert(type: string | undefined, v: unknown): { value: unknown } | { reason: string } {
  if (v === null || v === undefined || v === '') return { value: null };
  switch (type) {
    case 'datetime':
    case 'date': {
      const ms = hubspotTime(v);
      return ms === null ? { reason: `value is not a ${type}` } : { value: new Date(ms).toISOString() };
    }
    case 'number': {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? { value: n } : { reason: 'value is not a number' };
    }
    case 'bool':
    case 'boolean':
      if (v === true || v === 'true') return { value: true };
      if (v === false || v === 'false') return { value: false };
      return { reason: 'value is not a boolean' };
    default:
      return typeof v === 'string' ? { value: v } : { value: String(v) };
  }
}
