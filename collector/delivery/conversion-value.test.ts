import { describe, expect, it } from 'vitest';
import { conversionValue, parseAmount } from './conversion-value';
import type { ConversionRow } from './types';

const row = (attributes: Record<string, unknown>, conversion: ConversionRow['conversion']): ConversionRow => ({
  id: 'e'.repeat(32),
  eventTime: 1_790_000_000,
  email: 'ann@example.com',
  touches: [],
  devices: [],
  attributes,
  conversion,
});

describe('parseAmount', () => {
  it('reads numbers and plain or comma-grouped numeric strings', () => {
    expect(parseAmount(12500)).toBe(12500);
    expect(parseAmount(0)).toBe(0);
    expect(parseAmount('12500')).toBe(12500);
    expect(parseAmount(' 12500.5 ')).toBe(12500.5);
    expect(parseAmount('12,500.00')).toBe(12500);
    expect(parseAmount('1,234,567.89')).toBe(1234567.89);
    expect(parseAmount('.5')).toBe(0.5);
  });

  it('refuses what could be read two ways or is no amount', () => {
    // A decimal comma ("12.500,00" is 12500 in much of Europe) must not become 12.5, nor "12,5" 125.
    for (const s of [
      '12.500,00',
      '12,5',
      '1,2,3',
      '12,50',
      '$12,500',
      '12k',
      '1e3',
      '',
      '  ',
      'NaN',
      'Infinity',
      '-5',
      '--5',
      '10000000000000',
    ]) {
      expect(parseAmount(s), s).toBeUndefined();
    }
    for (const v of [-1, 1e13, Number.NaN, Number.POSITIVE_INFINITY, true, null, undefined, { amount: 5 }, [5]]) {
      expect(parseAmount(v), String(v)).toBeUndefined();
    }
  });
});

describe('conversionValue', () => {
  it('takes the value from the attribute, with the currency', () => {
    expect(
      conversionValue(
        row({ crm: { deal: { amount: '12,500.00' } } }, { valueField: 'crm.deal.amount', currency: 'EUR' }),
      ),
    ).toEqual({ value: 12500, currency: 'EUR' });
  });

  it('falls back to the fixed value when the attribute is missing or unreadable', () => {
    expect(
      conversionValue(
        row({ crm: { deal: { amount: '12.500,00' } } }, { valueField: 'crm.deal.amount', value: 100, currency: 'EUR' }),
      ),
    ).toEqual({ value: 100, currency: 'EUR' });
    expect(conversionValue(row({}, { valueField: 'crm.deal.amount', currency: 'EUR' }))).toEqual({ currency: 'EUR' });
  });
});

describe('value as each platform receives it', () => {
  it('never in exponent form nor with float noise: LinkedIn takes a plain decimal string', async () => {
    const { linkedin } = await import('../destinations/linkedin');
    const { linkedinSettingsSchema } = await import('../../shared/schemas/destinations');
    const settings = linkedinSettingsSchema.parse({
      conversionId: '4242',
      accessToken: 'li-token-1234567890',
      apiVersion: '202611',
    });
    const amounts: [ConversionRow['conversion'], string][] = [
      [{ value: 1e-7, currency: 'USD' }, '0'],
      [{ value: 0.1 + 0.2, currency: 'USD' }, '0.3'],
      [{ value: 1e12, currency: 'USD' }, '1000000000000'],
      [{ value: 12500.5, currency: 'USD' }, '12500.5'],
    ];
    for (const [conversion, amount] of amounts) {
      const r = { ...row({}, conversion), touches: [], eventTime: Math.floor(Date.now() / 1000) - 60 };
      const prepared = await linkedin.prepare(r, settings, Date.now());
      expect(
        prepared.ok && (prepared.item as { conversionValue?: unknown }).conversionValue,
        String(conversion.value),
      ).toEqual({ currencyCode: 'USD', amount });
    }
  });
});
