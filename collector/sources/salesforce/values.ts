// Salesforce values to the attributes we store: datetimes (`2026-01-02T03:04:05.000+0000`) and dates
// (`2026-01-02`) as ISO instants in UTC; each value checked against the field's described type, so
// a field whose type changed in Salesforce is reported and skipped instead of stored wrongly.
// Bulk API CSV gives every value as text; `fromCsv` parses it by the same types.

const SF_DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;
const SF_DATE = /^\d{4}-\d{2}-\d{2}$/;
const NUMERIC = ['int', 'double', 'currency', 'percent', 'long'];

/** `2026-01-02T03:04:05.000+0000` → `2026-01-02T03:04:05.000Z`; undefined when not a datetime. */
export function isoFromSalesforce(v: string): string | undefined {
  const m = SF_DATETIME.exec(v);
  if (!m) return undefined;
  const zone = m[4] === 'Z' ? 'Z' : `${m[4]!.slice(0, 3)}:${m[4]!.slice(-2)}`;
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${zone}`);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** An ISO instant as a SOQL datetime literal (Salesforce keeps whole seconds). */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function soqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export type Converted = { value: unknown } | { issue: string };

/** A JSON value of the REST API, checked against the described type (undefined: not described). */
export function convert(v: unknown, type: string | undefined): Converted {
  if (v === null || v === undefined) return { value: null };
  if (type === 'datetime') {
    const iso = typeof v === 'string' ? isoFromSalesforce(v) : undefined;
    return iso ? { value: iso } : { issue: `expected a datetime, got ${describe(v)}` };
  }
  if (type === 'date') {
    return typeof v === 'string' && SF_DATE.test(v) && Number.isFinite(Date.parse(v))
      ? { value: `${v}T00:00:00.000Z` }
      : { issue: `expected a date, got ${describe(v)}` };
  }
  if (type === 'boolean')
    return typeof v === 'boolean' ? { value: v } : { issue: `expected a boolean, got ${describe(v)}` };
  if (type && NUMERIC.includes(type))
    return typeof v === 'number' && Number.isFinite(v)
      ? { value: v }
      : { issue: `expected a number, got ${describe(v)}` };
  if (type === 'address' || type === 'location' || type === 'base64') return { issue: `${type} fields are not synced` };
  if (typeof v === 'object') return { issue: `expected a single value, got ${describe(v)}` };
  if (type === undefined && typeof v === 'string') {
    // A parent field (Account.Name) is not described: dates still become instants.
    const iso = isoFromSalesforce(v);
    if (iso) return { value: iso };
  }
  return type && type !== 'anyType' && typeof v !== 'string'
    ? { issue: `expected text, got ${describe(v)}` }
    : { value: v };
}

/** A Bulk API CSV cell ('' is null) parsed by the described type, then checked like JSON. */
export function fromCsv(cell: string, type: string | undefined): Converted {
  if (cell === '') return { value: null };
  if (type === 'boolean')
    return cell === 'true' || cell === 'false'
      ? { value: cell === 'true' }
      : { issue: `expected a boolean, got "${cell.slice(0, 40)}"` };
  if (type && NUMERIC.includes(type)) {
    const n = Number(cell);
    return Number.isFinite(n) ? { value: n } : { issue: `expected a number, got "${cell.slice(0, 40)}"` };
  }
  return convert(cell, type);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.slice(0, 40)}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
