/**
 * An attribute object as rows of dotted paths (the same paths audience criteria use) and values.
 * Arrays stay whole; empty objects show as such.
 */
export function flattenAttributes(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const rows: Array<[string, unknown]> = [];
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0)
      rows.push(...flattenAttributes(v as Record<string, unknown>, path));
    else rows.push([path, v]);
  }
  return rows;
}

/** A scalar as text, anything else as compact JSON. */
export function displayValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}
