// Small validators the platform fakes share. Each returns an error message or null.
import { isIP } from 'node:net';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hashIssue(field: string, v: unknown): string | null {
  const values = Array.isArray(v) ? v : [v];
  if (!values.length) return `${field} must not be empty`;
  for (const x of values)
    if (typeof x !== 'string' || !SHA256_HEX.test(x)) return `${field} must be SHA-256 as 64 lowercase hex characters`;
  return null;
}

export function ipIssue(field: string, v: unknown): string | null {
  return typeof v === 'string' && isIP(v) ? null : `${field} must be an IPv4 or IPv6 address`;
}

export function currencyIssue(field: string, v: unknown): string | null {
  return typeof v === 'string' && /^[A-Z]{3}$/.test(v)
    ? null
    : `${field} must be an ISO 4217 code (3 uppercase letters)`;
}

/** Unknown keys are errors: platforms reject misspelt fields, so must we. */
export function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): string | null {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  return extra.length ? `${where}: unknown field(s) ${extra.join(', ')}` : null;
}
