import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, parseDuration, parseTimestamp, toEpochSeconds } from './time';

const INSTANT = Date.UTC(2026, 10, 1, 10, 0, 0); // 2026-11-01T10:00:00Z

describe('parseTimestamp', () => {
  it('reads the same instant from every accepted spelling', () => {
    for (const v of [
      '2026-11-01T10:00:00Z',
      '2026-11-01T10:00:00.000Z',
      '2026-11-01 10:00:00',
      '2026-11-01T10:00:00',
      '2026-11-01T10:00',
      '2026-11-01t10:00:00z',
      '2026-11-01T12:00:00+02:00',
      '2026-11-01T12:00:00+0200',
      '2026-11-01T12:00:00+02',
      '2026-11-01 05:30:00-04:30',
      '2026-11-01 10:00:00+00',
      '2026-11-01 10:00:00 +00:00',
      '2026-11-01T10:00:00,000Z',
      '  2026-11-01T10:00:00Z ',
      1793527200,
      1793527200000,
      '1793527200',
      '1793527200000',
      new Date(INSTANT),
    ]) {
      expect(parseTimestamp(v), String(v)).toBe(INSTANT);
    }
  });

  it('reads a date alone as midnight UTC', () => {
    expect(parseTimestamp('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
  });

  it('keeps milliseconds and truncates finer fractions', () => {
    expect(parseTimestamp('2026-11-01T10:00:00.5Z')).toBe(INSTANT + 500);
    expect(parseTimestamp('2026-11-01T10:00:00.123456789Z')).toBe(INSTANT + 123);
    expect(parseTimestamp(1793527200.25)).toBe(INSTANT + 250);
  });

  it('splits seconds from milliseconds at 1e11', () => {
    expect(parseTimestamp(99_999_999_999)).toBe(99_999_999_999_000); // year 5138, as seconds
    expect(parseTimestamp(100_000_000_000)).toBe(100_000_000_000); // 1973-03-03, as ms
    expect(parseTimestamp(0)).toBe(0);
    expect(parseTimestamp(-86400)).toBe(-DAY_MS);
  });

  it('handles leap years and years below 100', () => {
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTimestamp('1900-02-29')).toBeNull();
    expect(parseTimestamp('0050-01-01')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it('rejects junk', () => {
    for (const v of [
      NaN,
      Infinity,
      -Infinity,
      '',
      '   ',
      'now',
      'yesterday',
      '2026-02-30',
      '2026-13-01',
      '2026-00-10',
      '2026-11-31',
      '2026-11-01T24:00:00Z',
      '2026-11-01T10:60:00Z',
      '2026-11-01T10:00:60Z',
      '2026-11-01T10:00:00+24:00',
      '2026-11-01T10:00:00+02:60',
      '2026-11-01T10Z',
      '2026-11-01X10:00:00',
      '26-11-01',
      '2026/11/01',
      'Sun Nov 01 2026',
      '0x10',
      '1e9',
      'Infinity',
      '1793527200abc',
      1e300,
      true,
      false,
      null,
      undefined,
      {},
      [],
      [1793527200],
      { seconds: 1793527200 },
      new Date(NaN),
      Symbol('x'),
      10n,
    ]) {
      expect(parseTimestamp(v), String(typeof v === 'symbol' ? 'symbol' : v)).toBeNull();
    }
  });

  it('never throws and returns an integer in the Date range or null', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.double(), fc.date({ noInvalidDate: false })), (v) => {
        const ms = parseTimestamp(v);
        return ms === null || (Number.isInteger(ms) && Math.abs(ms) <= 8.64e15);
      }),
    );
  });

  it('agrees with Date for every ISO instant in any zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          const ms = date.getTime();
          const local = new Date(ms + offsetMinutes * MINUTE_MS).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseTimestamp(`${local}${zone}`)).toBe(ms);
          expect(parseTimestamp(date.toISOString())).toBe(ms);
          expect(parseTimestamp(date.toISOString().replace('T', ' ').replace('Z', ''))).toBe(ms);
        },
      ),
    );
  });

  it('reads epoch seconds and ms of the same instant alike', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100_000_000, max: 99_999_999_999 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseTimestamp(seconds)).toBe(ms);
        expect(parseTimestamp(String(seconds))).toBe(ms);
        expect(parseTimestamp(ms)).toBe(ms);
        expect(parseTimestamp(String(ms))).toBe(ms);
      }),
    );
  });
});

describe('toEpochSeconds', () => {
  it('floors to whole seconds', () => {
    expect(toEpochSeconds(INSTANT)).toBe(1793527200);
    expect(toEpochSeconds(INSTANT + 999)).toBe(1793527200);
    expect(toEpochSeconds(-1)).toBe(-1);
  });
});

describe('parseDuration', () => {
  it('reads days as numbers and d/h/m strings', () => {
    expect(parseDuration(7)).toBe(7 * DAY_MS);
    expect(parseDuration(0.5)).toBe(12 * HOUR_MS);
    expect(parseDuration('7d')).toBe(7 * DAY_MS);
    expect(parseDuration('24h')).toBe(DAY_MS);
    expect(parseDuration('90m')).toBe(90 * MINUTE_MS);
    expect(parseDuration(' 3d ')).toBe(3 * DAY_MS);
  });

  it('rejects anything else', () => {
    const junk = [0, -1, NaN, Infinity, 1e9, '0d', '-1d', '7', '7 d', '7D', '7w', '1.5d', 'd', '', '7days'];
    for (const v of [...junk, null, undefined, true, {}, [7], { days: 7 }]) {
      expect(parseDuration(v), String(v)).toBeNull();
    }
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const ms = parseDuration(v);
        return ms === null || (Number.isInteger(ms) && ms > 0);
      }),
    );
  });
});
