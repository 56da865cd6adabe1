// Value and currency of a conversion: fixed, or read from an attribute (`valueField`).
import { getPath } from '../../shared/criteria';
import type { ConversionRow } from './types';

export interface ConversionValue {
  value?: number;
  currency?: string;
}

export function conversionValue(row: ConversionRow): ConversionValue {
  const c = row.conversion;
  let value = c.value;
  if (c.valueField) {
    const raw = getPath(row.attributes, c.valueField);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.replace(/[,\s]/g, '')) : NaN;
    value = Number.isFinite(n) ? n : c.value;
  }
  const currency = c.currency && /^[A-Za-z]{3}$/.test(c.currency) ? c.currency.toUpperCase() : undefined;
  return { ...(value !== undefined && Number.isFinite(value) ? { value } : {}), ...(currency ? { currency } : {}) };
}

/**
 * The consent that applies: the person's explicit signal, else the destination's default, which is
 * 'unknown' unless the operator chose one (stored destinations from before the choice existed read
 * 'unknown' too: DestinationObject.settingsOf).
 */
export function effectiveConsent(row: ConversionRow, defaultConsent: 'unknown' | 'granted' | 'denied' | undefined): 'granted' | 'denied' | 'unknown' {
  return row.consent === 'granted' || row.consent === 'denied' ? row.consent : (defaultConsent ?? 'unknown');
}
