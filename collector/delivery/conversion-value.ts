// Value and currency of a conversion: fixed, or read from an attribute (`valueField`).
import { getPath } from '../../shared/criteria';
import type { ConversionRow } from './types';
import type { ConsentState } from '../../shared/schemas/collect';

export interface ConversionValue {
  value?: number;
  currency?: string;
}

export function conversionValue(row: ConversionRow): ConversionValue {
  const c = row.conversion;
  let value = c.value;
  if (c.valueField) {
    value = parseAmount(getPath(row.attributes, c.valueField)) ?? c.value;
  }
  const currency = c.currency && /^[A-Za-z]{3}$/.test(c.currency) ? c.currency.toUpperCase() : undefined;
  const sent = value !== undefined && Number.isFinite(value) ? Number(value.toFixed(DECIMALS)) : undefined;
  return { ...(sent !== undefined ? { value: sent } : {}), ...(currency ? { currency } : {}) };
}

// More decimals than any currency has (ISO 4217 goes to 4): drops float noise (0.1 + 0.2) and the
// exponent form JavaScript prints below 1e-6, which LinkedIn's decimal-string amount refuses.
const DECIMALS = 6;

// "12500", "12500.5", "12,500.00": a dot for decimals, commas only as thousands groups. A decimal comma
// ("12.500,00", "12,5") reads two ways, so it is refused rather than sent 1,000 times too small or large.
const PLAIN = /^(\d+(\.\d+)?|\.\d+)$/;
const GROUPED = /^\d{1,3}(,\d{3})+(\.\d+)?$/;

// The fixed value's bound (shared/schemas/conversion.ts): past it a number prints in exponent form,
// which LinkedIn's decimal-string amount refuses, and no deal is that large.
const MAX_AMOUNT = 1e12;

/** An amount from an attribute: a number from 0 to 1e12 or a numeric string as above; anything else undefined. */
export function parseAmount(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 && raw <= MAX_AMOUNT ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim();
  if (!PLAIN.test(s) && !GROUPED.test(s)) return undefined;
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) && n <= MAX_AMOUNT ? n : undefined;
}

/**
 * The consent that applies: the person's explicit signal, else the destination's default, which is
 * 'unknown' unless the operator chose one (stored destinations from before the choice existed read
 * 'unknown' too: DestinationObject.settingsOf).
 */
export function effectiveConsent(row: ConversionRow, defaultConsent: ConsentState | undefined): ConsentState {
  return row.consent === 'granted' || row.consent === 'denied' ? row.consent : (defaultConsent ?? 'unknown');
}
