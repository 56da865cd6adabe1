import { describe, expect, it } from 'vitest';
import { convert, hubspotTime } from './values';

describe('HubSpot values', () => {
  it('turns every HubSpot date spelling into an ISO instant in UTC', () => {
    expect(convert('datetime', '2026-03-01T10:00:00.000Z')).toEqual({ value: '2026-03-01T10:00:00.000Z' });
    expect(convert('datetime', '1772359200000')).toEqual({ value: '2026-03-01T10:00:00.000Z' });
    expect(convert('date', '2026-03-01')).toEqual({ value: '2026-03-01T00:00:00.000Z' });
    expect(convert('datetime', '2026-03-01T11:00:00+01:00')).toEqual({ value: '2026-03-01T10:00:00.000Z' });
  });
  it('reports a value that does not fit its type instead of storing it', () => {
    expect(convert('datetime', 'last tuesday')).toEqual({ reason: 'value is not a datetime' });
    expect(convert('number', 'abc')).toEqual({ reason: 'value is not a number' });
    expect(convert('number', '12.5')).toEqual({ value: 12.5 });
    expect(convert('bool', 'true')).toEqual({ value: true });
  });
  it('clears a property HubSpot sends empty', () => {
    expect(convert('string', '')).toEqual({ value: null });
    expect(convert('datetime', null)).toEqual({ value: null });
    expect(hubspotTime('nope')).toBeNull();
  });
});
