// Audience criteria: the type, the one evaluator used by the PersonObject, the audit API and tests,
// membership in an audience and its entry id. Evaluation is pure: attributes and the clock come in
// as arguments. Checking untrusted criteria JSON is in criteria-validation.ts.
import { DAY_MS, MINUTE_MS, parseDuration, parseTimestamp } from './time';
import { toHex } from './hex';

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'nin',
  'contains',
  'starts_with',
  'exists',
  'not_exists',
  'gt',
  'gte',
  'lt',
  'lte',
  'before',
  'after',
  'within_last',
  'not_within_last',
] as const;
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number | boolean;

export interface Condition {
  field: string;
  op: Operator;
  value?: Scalar | Scalar[];
}
export type Criteria = { all: Criteria[] } | { any: Criteria[] } | { not: Criteria } | Condition;

export const CRITERIA_LIMITS = {
  depth: 10, // nested all/any/not groups
  conditions: 100,
  nodes: 200,
  listValues: 1000, // entries of an in / nin list
  stringLength: 1000,
  fieldLength: 200,
  fieldSegments: 10,
} as const;

// A timestamp up to this far ahead of the clock still counts (CRM clocks drift, events arrive early).
export const FUTURE_TOLERANCE_MS = 5 * MINUTE_MS;

// ---------------------------------------------------------------------------------------------
// Attribute lookup

/** Path segments that would reach an object's prototype: never a field. */
export const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const ARRAY_INDEX = /^\d+$/;

/** Value at a dotted path, following own properties only; undefined when any step is missing. */
export function getPath(obj: unknown, dotted: string): unknown {
  let current = obj;
  for (const key of dotted.split('.')) {
    if (FORBIDDEN_SEGMENTS.has(key) || typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current) && !ARRAY_INDEX.test(key)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * True when the attributes satisfy the (validated) criteria at `now` (epoch ms). Never throws.
 * - A missing field (absent or null) matches nothing but not_exists; negate with {not}.
 * - String comparisons (eq, neq, in, nin, contains, starts_with) ignore case; nothing is trimmed.
 * - A number compared with a numeric string compares as numbers ("5" eq 5); a boolean equals the
 *   string "true" / "false" in any case.
 * - On an array field, an operator matches when any element matches; neq and nin match when the
 *   field is present and no element equals; contains on an array means "has an element equal to".
 */
export function evaluate(criteria: Criteria, attributes: unknown, now: number): boolean {
  if (isGroup(criteria, 'all')) return criteria.all.every((c) => evaluate(c, attributes, now));
  if (isGroup(criteria, 'any')) return criteria.any.some((c) => evaluate(c, attributes, now));
  if (isGroup(criteria, 'not')) return !evaluate(criteria.not, attributes, now);
  return testCondition(criteria as Condition, attributes, now);
}

function isGroup<K extends 'all' | 'any' | 'not'>(
  node: Criteria,
  key: K,
): node is Extract<Criteria, Record<K, unknown>> {
  return Object.hasOwn(node, key);
}

function testCondition({ field, op, value }: Condition, attributes: unknown, now: number): boolean {
  const actual = getPath(attributes, field);
  if (op === 'not_exists') return isMissing(actual);
  if (isMissing(actual)) return false;
  if (op === 'exists') return true;
  if (op === 'contains') return containsValue(actual, value);
  const elements = Array.isArray(actual) ? actual : [actual];
  if (op === 'neq') return !elements.some((e) => scalarEquals(e, value));
  if (op === 'nin') return !elements.some((e) => inList(e, value));
  return elements.some((e) => matchesElement(op, e, value, now));
}

function matchesElement(op: Operator, actual: unknown, value: unknown, now: number): boolean {
  switch (op) {
    case 'eq':
      return scalarEquals(actual, value);
    case 'in':
      return inList(actual, value);
    case 'starts_with':
      return typeof actual === 'string' && typeof value === 'string' && fold(actual).startsWith(fold(value));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compareNumbers(op, toNumber(actual), toNumber(value));
    case 'before':
    case 'after': {
      const ts = parseTimestamp(actual);
      const ref = value === 'now' ? now : parseTimestamp(value);
      if (ts === null || ref === null) return false;
      return op === 'before' ? ts < ref : ts > ref;
    }
    case 'within_last':
    case 'not_within_last': {
      const ts = parseTimestamp(actual);
      const span = parseDuration(value);
      if (ts === null || span === null) return false;
      return op === 'within_last' ? now - span <= ts && ts <= now : ts < now - span;
    }
    default:
      return false;
  }
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null;
}

export function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function fold(s: string): string {
  return s.toLowerCase();
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || !NUMERIC.test(v.trim())) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function scalarEquals(a: unknown, b: unknown): boolean {
  if (!isScalar(a) || !isScalar(b)) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const [x, y] = [toNumber(a), toNumber(b)];
    return x !== null && x === y;
  }
  return fold(String(a)) === fold(String(b));
}

function inList(actual: unknown, list: unknown): boolean {
  return Array.isArray(list) && list.some((v) => scalarEquals(actual, v));
}

function containsValue(actual: unknown, value: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((e) => scalarEquals(e, value));
  return typeof actual === 'string' && isScalar(value) && fold(actual).includes(fold(String(value)));
}

function compareNumbers(op: 'gt' | 'gte' | 'lt' | 'lte', x: number | null, y: number | null): boolean {
  if (x === null || y === null) return false;
  return op === 'gt' ? x > y : op === 'gte' ? x >= y : op === 'lt' ? x < y : x <= y;
}

// ---------------------------------------------------------------------------------------------
// Walking

export type PathSegment = string | number;

/** Every condition with its path from the criteria root, in document order. */
export function listConditions(criteria: Criteria): { condition: Condition; path: PathSegment[] }[] {
  const found: { condition: Condition; path: PathSegment[] }[] = [];
  const walk = (node: Criteria, path: PathSegment[]): void => {
    if (isGroup(node, 'all')) node.all.forEach((c, i) => walk(c, [...path, 'all', i]));
    else if (isGroup(node, 'any')) node.any.forEach((c, i) => walk(c, [...path, 'any', i]));
    else if (isGroup(node, 'not')) walk(node.not, [...path, 'not']);
    else found.push({ condition: node as Condition, path });
  };
  walk(criteria, []);
  return found;
}

/** The distinct attribute paths the criteria read, in order of first use (for the audit view). */
export function fieldsUsed(criteria: Criteria): string[] {
  return [...new Set(listConditions(criteria).map(({ condition }) => condition.field))];
}

// ---------------------------------------------------------------------------------------------
// Membership in an audience (ARCHITECTURE.md §4)

export interface AudienceRule {
  criteria: Criteria;
  timestamp: { field: string; withinDays: number };
}

export type NonMemberReason = 'criteria' | 'no_timestamp' | 'timestamp_too_old' | 'timestamp_in_future';

export interface Membership {
  member: boolean;
  timestampMs: number | null;
  reason?: NonMemberReason;
}

/** Member when the criteria hold and now - withinDays <= timestamp <= now + 5 min. */
export function membership(audience: AudienceRule, attributes: unknown, now: number): Membership {
  const timestampMs = parseTimestamp(getPath(attributes, audience.timestamp.field));
  if (!evaluate(audience.criteria, attributes, now)) return { member: false, timestampMs, reason: 'criteria' };
  if (timestampMs === null) return { member: false, timestampMs, reason: 'no_timestamp' };
  if (timestampMs < now - audience.timestamp.withinDays * DAY_MS) {
    return { member: false, timestampMs, reason: 'timestamp_too_old' };
  }
  if (timestampMs > now + FUTURE_TOLERANCE_MS) return { member: false, timestampMs, reason: 'timestamp_in_future' };
  return { member: true, timestampMs };
}

/**
 * The next instant after `now` at which membership may change with no new data (for the
 * PersonObject's alarm), or null when it cannot. Conservative: the alarm may find nothing changed.
 */
export function nextBoundary(audience: AudienceRule, attributes: unknown, now: number): number | null {
  const ts = parseTimestamp(getPath(attributes, audience.timestamp.field));
  if (ts === null) return null;
  // Outside [opens, closes) the timestamp is out of range, so no criteria change can matter there.
  const opens = ts - FUTURE_TOLERANCE_MS;
  const closes = ts + audience.timestamp.withinDays * DAY_MS + 1;
  if (closes <= now) return null;
  const criteriaTimes = criteriaBoundaries(audience.criteria, attributes).filter((t) => t > now);
  // Criteria that fail now and never flip by themselves keep the person out whatever the window does.
  if (criteriaTimes.length === 0 && !evaluate(audience.criteria, attributes, now)) return null;
  let next: number | null = null;
  for (const t of [opens, closes, ...criteriaTimes]) {
    if (t > now && t >= opens && t <= closes && (next === null || t < next)) next = t;
  }
  return next;
}

/** Instants at which a clock-relative condition flips for these attributes. */
function criteriaBoundaries(criteria: Criteria, attributes: unknown): number[] {
  const times: number[] = [];
  for (const { condition } of listConditions(criteria)) {
    const { op, value } = condition;
    const clockRelative =
      op === 'within_last' || op === 'not_within_last' || ((op === 'before' || op === 'after') && value === 'now');
    if (!clockRelative) continue;
    const actual = getPath(attributes, condition.field);
    for (const element of Array.isArray(actual) ? actual : [actual]) {
      const ts = parseTimestamp(element);
      if (ts === null) continue;
      if (op === 'before')
        times.push(ts + 1); // ts < now from ts + 1
      else if (op === 'after')
        times.push(ts); // ts > now until ts
      else {
        const span = parseDuration(value);
        if (span === null) continue;
        if (op === 'within_last') times.push(ts); // now - span <= ts <= now from ts ...
        times.push(ts + span + 1); // ... until ts + span; ts < now - span from ts + span + 1
      }
    }
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// Entry ids

/** The event id sent to every platform: hex(sha256(`audience|person|tsSeconds`))[:32]. */
export async function entryId(audienceId: string, personKey: string, tsSeconds: number): Promise<string> {
  if (!Number.isSafeInteger(tsSeconds)) throw new RangeError('entryId needs whole epoch seconds');
  const bytes = new TextEncoder().encode(`${audienceId}|${personKey}|${tsSeconds}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return toHex(digest).slice(0, 32);
}
