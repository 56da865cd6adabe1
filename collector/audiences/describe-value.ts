// The audit's display of the attribute values an audience reads.
import { parseTimestamp } from '../../shared/time';

/** The audit's display of an attribute value: dates also shown as ISO so the window is checkable. */
export function describeValue(value: unknown): { value: unknown; parsed?: string } {
  if (typeof value === 'string' || typeof value === 'number') {
    const ms = parseTimestamp(value);
    if (ms !== null && typeof value === 'string' && /\d{4}-\d{2}-\d{2}|^\d{9,}$/.test(value.trim()))
      return { value, parsed: new Date(ms).toISOString() };
    if (ms !== null && typeof value === 'number' && Math.abs(value) >= 1e9)
      return { value, parsed: new Date(ms).toISOString() };
  }
  return { value: value === undefined ? null : value };
}
