// Checking untrusted audience criteria JSON: the first problem found, named by its path
// (`criteria.all[2].op`), within the limits of CRITERIA_LIMITS. Apart from criteria.ts (the type and
// its evaluation) because only the API's schemas and the definition checks need it, while every
// evaluation of a person needs the evaluator alone.
import { parseDuration, parseTimestamp } from './time';
import {
  CRITERIA_LIMITS,
  FORBIDDEN_SEGMENTS,
  isScalar,
  OPERATORS,
  toNumber,
  type Criteria,
  type Operator,
  type PathSegment,
  type Scalar,
} from './criteria';

export interface CriteriaIssue {
  path: PathSegment[]; // relative to the criteria root
  message: string;
}

export type CriteriaValidation = { ok: true; criteria: Criteria } | { ok: false; path: string; message: string };

/** Checks untrusted JSON; on failure names the node, e.g. `criteria.all[2].op`. Never throws. */
export function validateCriteria(c: unknown): CriteriaValidation {
  const found = criteriaIssue(c);
  if (!found) return { ok: true, criteria: c as Criteria };
  return { ok: false, path: formatPath(['criteria', ...found.path]), message: found.message };
}

/** `['criteria', 'all', 2, 'op']` -> `criteria.all[2].op` */
export function formatPath(path: PathSegment[]): string {
  return path
    .map((s, i) =>
      typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? (i ? `.${s}` : s) : `[${JSON.stringify(s)}]`,
    )
    .join('');
}

/** The first problem in untrusted criteria JSON, or null when it is valid. */
export function criteriaIssue(c: unknown): CriteriaIssue | null {
  return checkNode(c, [], 0, { nodes: 0, conditions: 0 });
}

/** Why a string is not a usable attribute path, or null when it is. */
export function fieldIssue(field: unknown): string | null {
  if (typeof field !== 'string' || field === '') return 'field must be a dotted path such as "crm.lead.status"';
  if (field.length > CRITERIA_LIMITS.fieldLength)
    return `field is longer than ${CRITERIA_LIMITS.fieldLength} characters`;
  const segments = field.split('.');
  if (segments.length > CRITERIA_LIMITS.fieldSegments)
    return `field has more than ${CRITERIA_LIMITS.fieldSegments} segments`;
  if (segments.includes('')) return `field "${field}" has an empty segment`;
  const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (forbidden) return `field segment "${forbidden}" is not allowed`;
  return null;
}

const CONDITION_KEYS = new Set(['field', 'op', 'value']);

function checkNode(
  node: unknown,
  path: PathSegment[],
  depth: number,
  count: { nodes: number; conditions: number },
): CriteriaIssue | null {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    return { path, message: 'expected {all: [...]}, {any: [...]}, {not: {...}} or a condition {field, op, value}' };
  }
  if (++count.nodes > CRITERIA_LIMITS.nodes) return { path, message: `more than ${CRITERIA_LIMITS.nodes} nodes` };
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  const group = keys.find((k) => k === 'all' || k === 'any' || k === 'not');
  if (group) {
    const extra = keys.find((k) => k !== group);
    if (extra !== undefined) return { path: [...path, extra], message: `unexpected key "${extra}" next to "${group}"` };
    if (depth >= CRITERIA_LIMITS.depth) return { path, message: `nested deeper than ${CRITERIA_LIMITS.depth} levels` };
    if (group === 'not') return checkNode(record.not, [...path, 'not'], depth + 1, count);
    const children = record[group];
    if (!Array.isArray(children)) return { path: [...path, group], message: `"${group}" must be an array` };
    if (group === 'any' && children.length === 0)
      return { path: [...path, group], message: '"any" needs at least one criterion' };
    for (let i = 0; i < children.length; i++) {
      const found = checkNode(children[i], [...path, group, i], depth + 1, count);
      if (found) return found;
    }
    return null;
  }
  if (!keys.includes('field') && !keys.includes('op')) {
    return { path, message: 'expected {all: [...]}, {any: [...]}, {not: {...}} or a condition {field, op, value}' };
  }
  const unknownKey = keys.find((k) => !CONDITION_KEYS.has(k));
  if (unknownKey !== undefined) return { path: [...path, unknownKey], message: `unknown key "${unknownKey}"` };
  if (++count.conditions > CRITERIA_LIMITS.conditions)
    return { path, message: `more than ${CRITERIA_LIMITS.conditions} conditions` };
  const fieldProblem = fieldIssue(record.field);
  if (fieldProblem) return { path: [...path, 'field'], message: fieldProblem };
  const op = record.op;
  if (typeof op !== 'string') return { path: [...path, 'op'], message: 'op must be a string' };
  if (!(OPERATORS as readonly string[]).includes(op))
    return { path: [...path, 'op'], message: `unknown operator ${JSON.stringify(op)}` };
  return checkValue(op as Operator, record.value, [...path, 'value']);
}

function checkValue(op: Operator, value: unknown, path: PathSegment[]): CriteriaIssue | null {
  const problem = (message: string): CriteriaIssue => ({ path, message: `"${op}" ${message}` });
  switch (op) {
    case 'exists':
    case 'not_exists':
      return value === undefined ? null : problem('takes no value');
    case 'eq':
    case 'neq':
    case 'contains':
      return isScalar(value) ? stringLengthIssue(value, path) : problem('needs a string, number or boolean');
    case 'starts_with':
      return typeof value === 'string' && value !== ''
        ? stringLengthIssue(value, path)
        : problem('needs a non-empty string');
    case 'in':
    case 'nin': {
      if (!Array.isArray(value) || value.length === 0) return problem('needs a non-empty array');
      if (value.length > CRITERIA_LIMITS.listValues)
        return problem(`takes at most ${CRITERIA_LIMITS.listValues} values`);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isScalar(item)) return { path: [...path, i], message: 'expected a string, number or boolean' };
        const tooLong = stringLengthIssue(item, [...path, i]);
        if (tooLong) return tooLong;
      }
      return null;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return toNumber(value) === null ? problem('needs a number') : null;
    case 'before':
    case 'after':
      return value === 'now' || parseTimestamp(value) !== null
        ? null
        : problem('needs a date (ISO 8601, epoch seconds or ms) or "now"');
    case 'within_last':
    case 'not_within_last':
      return parseDuration(value) !== null
        ? null
        : problem('needs a duration: days as a number, or "<n>d", "<n>h", "<n>m"');
  }
}

function stringLengthIssue(value: Scalar, path: PathSegment[]): CriteriaIssue | null {
  return typeof value === 'string' && value.length > CRITERIA_LIMITS.stringLength
    ? { path, message: `longer than ${CRITERIA_LIMITS.stringLength} characters` }
    : null;
}
