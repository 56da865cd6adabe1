import { describe, expect, it } from 'vitest';
import { convert, fromCsv, isoFromSalesforce, soqlDateTime, soqlString } from './values';

describe('Salesforce values', () => {
  it('datetimes and dates become ISO instants in UTC', () => {
    expect(isoFromSalesforce('2026-01-02T03:04:05.000+0000')).toBe('2026-01-02T03:04:05.000Z');
    expect(isoFromSalesforce('2026-01-02T03:04:05.000+0200')).toBe('2026-01-02T01:04:05.000Z');
    expect(isoFromSalesforce('2026-01-02')).toBeUndefined();
    expect(convert('2026-01-02', 'date')).toEqual({ value: '2026-01-02T00:00:00.000Z' });
    expect(convert('2026-01-02T03:04:05.000+0000', 'datetime')).toEqual({ value: '2026-01-02T03:04:05.000Z' });
    expect(convert('2026-01-02T03:04:05.000+0000', undefined)).toEqual({ value: '2026-01-02T03:04:05.000Z' });
  });

  it('a value of another type than described is an issue, not a value', () => {
    expect(convert('1250.5', 'currency')).toHaveProperty('issue');
    expect(convert(1250.5, 'currency')).toEqual({ value: 1250.5 });
    expect(convert('yes', 'boolean')).toHaveProperty('issue');
    expect(convert(3, 'picklist')).toHaveProperty('issue');
    expect(convert('Tomorrow', 'date')).toHaveProperty('issue');
    expect(convert({ city: 'X' }, 'address')).toHaveProperty('issue');
    expect(convert(null, 'currency')).toEqual({ value: null });
  });

  it('CSV cells are parsed by type; empty is null', () => {
    expect(fromCsv('', 'string')).toEqual({ value: null });
    expect(fromCsv('true', 'boolean')).toEqual({ value: true });
    expect(fromCsv('12.5', 'currency')).toEqual({ value: 12.5 });
    expect(fromCsv('abc', 'double')).toHaveProperty('issue');
    expect(fromCsv('2026-03-04', 'date')).toEqual({ value: '2026-03-04T00:00:00.000Z' });
  });

  it('SOQL literals: whole-second datetimes, escaped strings', () => {
    expect(soqlDateTime('2026-01-02T03:04:05.000Z')).toBe('2026-01-02T03:04:05Z');
    expect(soqlString("O'Brien\\")).toBe("'O\\'Brien\\\\'");
  });
});
