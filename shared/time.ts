// The one timestamp parser. Every attribute date (CRM, MAP, CDP, traits) goes through here, so
// the evaluator, the entry rules and the audit view always agree on what instant a value means.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

// Numbers below 1e11 are epoch seconds, the rest epoch milliseconds. 1e11 seconds is the year 5138
// and 1e11 ms is 1973-03-03, so every date from 1973 to 5138 reads the same either way round.
export const EPOCH_SECONDS_BELOW = 1e11;

// ECMAScript's Date range; anything outside cannot be an instant.
const MAX_ABS_MS = 8.64e15;

const EPOCH_STRING = /^-?\d+(\.\d+)?$/;
// RFC 3339 / ISO 8601 extended format: date, optional time (T or space) with optional seconds,
// fraction and zone. No zone means UTC. A space may precede the zone ("2026-11-01 10:00:00 +02:00").
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Epoch ms for a timestamp-like value, or null when it is not one. Never throws. */
export function parseTimestamp(v: unknown): number | null {
  if (typeof v === 'number') return fromEpoch(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (EPOCH_STRING.test(s)) return fromEpoch(Number(s));
    return parseIso(s);
  }
  if (v instanceof Date) return inRange(v.getTime());
  return null;
}

export function toEpochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function fromEpoch(n: number): number | null {
  if (!Number.isFinite(n)) return null;
  return inRange(Math.round(Math.abs(n) < EPOCH_SECONDS_BELOW ? n * 1000 : n));
}

function inRange(ms: number): number | null {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_ABS_MS ? ms : null;
}

function parseIso(s: string): number | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offset = offsetMs(m[8]);
  if (offset === null) return null;
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return inRange(d.getTime() - offset);
}

function offsetMs(zone: string | undefined): number | null {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || 0);
  if (hours > 23 || minutes > 59) return null;
  return (zone[0] === '-' ? -1 : 1) * (hours * HOUR_MS + minutes * MINUTE_MS);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Durations for within_last / not_within_last: a number is days (fractions allowed: 0.5 = 12 h);
// a string is '<n>d', '<n>h' or '<n>m' (minutes) with n a positive integer.
const DURATION = /^(\d{1,9})([dhm])$/;
const UNIT_MS: Record<string, number> = { d: DAY_MS, h: HOUR_MS, m: MINUTE_MS };
const MAX_DURATION_MS = 100 * 365 * DAY_MS;

/** Duration in whole ms, or null when the value is not a positive duration of at most 100 years. */
export function parseDuration(v: unknown): number | null {
  let ms: number;
  if (typeof v === 'number') ms = Math.round(v * DAY_MS);
  else if (typeof v === 'string') {
    const m = DURATION.exec(v.trim());
    if (!m) return null;
    ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  } else return null;
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_DURATION_MS ? ms : null;
}
