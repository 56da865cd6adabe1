import { describe, expect, it } from 'vitest';
import { hubspotType, isTimestamp, salesforceType } from './catalogue';

describe('field catalogue types', () => {
  it("names HubSpot's property types as the builder's", () => {
    expect(['datetime', 'date', 'number', 'enumeration', 'bool', 'string', 'phone_number'].map(hubspotType)).toEqual([
      'datetime',
      'date',
      'number',
      'enumeration',
      'bool',
      'string',
      'string',
    ]);
  });

  it("names Salesforce's describe types as the builder's, leaving out compound fields the sync never writes", () => {
    expect(salesforceType('picklist')).toBe('enumeration');
    expect(salesforceType('currency')).toBe('number');
    expect(salesforceType('percent')).toBe('number');
    expect(salesforceType('boolean')).toBe('bool');
    expect(salesforceType('date')).toBe('date');
    expect(salesforceType('datetime')).toBe('datetime');
    expect(salesforceType('email')).toBe('string');
    expect(salesforceType('reference')).toBe('string');
    expect(salesforceType('address')).toBeNull();
  });

  it('offers only dates and datetimes as an audience timestamp', () => {
    const f = (type: 'date' | 'datetime' | 'string' | 'number') => ({ name: 'x', label: 'x', type });
    expect([f('date'), f('datetime'), f('string'), f('number')].map(isTimestamp)).toEqual([true, true, false, false]);
  });
});
