import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CRITERIA_LIMITS,
  entryId,
  evaluate,
  fieldsUsed,
  getPath,
  membership,
  nextBoundary,
  OPERATORS,
  type AudienceRule,
  type Condition,
  type Criteria,
  type Operator,
} from './criteria';
import { formatPath, validateCriteria } from './criteria-validation';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time';

const NOW = Date.UTC(2026, 10, 1, 10, 0, 0); // 2026-11-01T10:00:00Z
const iso = (ms: number) => new Date(ms).toISOString();
const leaf = (field: string, op: Operator, value?: Condition['value']): Condition =>
  value === undefined ? { field, op } : { field, op, value };
const test = (c: Criteria, attributes: unknown, now = NOW) => evaluate(c, attributes, now);

describe('getPath', () => {
  const person = { crm: { lead: { status: 'MQL' }, tags: ['a', 'b'], empty: null } };

  it('follows dotted paths through objects and array indexes', () => {
    expect(getPath(person, 'crm.lead.status')).toBe('MQL');
    expect(getPath(person, 'crm.tags.1')).toBe('b');
    expect(getPath(person, 'crm.empty')).toBeNull();
    expect(getPath(person, 'crm.missing.deeper')).toBeUndefined();
    expect(getPath(person, 'crm.lead.status.length')).toBeUndefined();
  });

  it('never resolves inherited or prototype-reaching segments', () => {
    const polluted = JSON.parse('{"__proto__": {"admin": true}, "a": {"constructor": {"prototype": 1}}}');
    expect(getPath(polluted, '__proto__.admin')).toBeUndefined();
    expect(getPath(polluted, 'a.constructor')).toBeUndefined();
    expect(getPath(polluted, 'a.constructor.prototype')).toBeUndefined();
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({}, 'toString')).toBeUndefined();
    expect(getPath({}, 'hasOwnProperty')).toBeUndefined();
    expect(getPath([1, 2], 'length')).toBeUndefined();
    expect(getPath(Object.create({ inherited: 1 }), 'inherited')).toBeUndefined();
    expect(getPath(Object.assign(Object.create(null), { x: 1 }), 'x')).toBe(1);
  });

  it('returns undefined for non-objects', () => {
    for (const v of [null, undefined, 1, 'str', true]) expect(getPath(v, 'a')).toBeUndefined();
  });
});

describe('evaluate: operators', () => {
  const person = {
    crm: {
      status: 'Closed Won',
      score: '42',
      amount: 1200.5,
      active: true,
      tags: ['Enterprise', 'EMEA'],
      scores: [3, '15'],
      cleared: null,
      created: iso(NOW - 3 * DAY_MS),
      renewal: '2027-01-01',
      dates: [iso(NOW - 30 * DAY_MS), NOW - HOUR_MS],
      nested: { x: 1 },
    },
  };

  const cases: [Criteria, boolean][] = [
    // eq / neq: case-insensitive strings, numbers vs numeric strings, booleans vs "true"
    [leaf('crm.status', 'eq', 'closed won'), true],
    [leaf('crm.status', 'eq', 'Closed Won '), false],
    [leaf('crm.status', 'eq', 'closed'), false],
    [leaf('crm.score', 'eq', 42), true],
    [leaf('crm.score', 'eq', '42.0'), false],
    [leaf('crm.amount', 'eq', '1200.50'), true],
    [leaf('crm.active', 'eq', true), true],
    [leaf('crm.active', 'eq', 'TRUE'), true],
    [leaf('crm.active', 'eq', 1), false],
    [leaf('crm.nested', 'eq', '[object Object]'), false],
    [leaf('crm.status', 'neq', 'open'), true],
    [leaf('crm.status', 'neq', 'CLOSED WON'), false],
    [leaf('crm.missing', 'neq', 'open'), false],
    [leaf('crm.cleared', 'neq', 'open'), false],
    // arrays: any element; neq / nin: no element
    [leaf('crm.tags', 'eq', 'emea'), true],
    [leaf('crm.tags', 'neq', 'emea'), false],
    [leaf('crm.tags', 'neq', 'APAC'), true],
    [leaf('crm.scores', 'gt', 10), true],
    [leaf('crm.scores', 'gt', 20), false],
    // in / nin
    [leaf('crm.status', 'in', ['open', 'closed won']), true],
    [leaf('crm.status', 'in', ['open']), false],
    [leaf('crm.score', 'in', [41, 42]), true],
    [leaf('crm.tags', 'in', ['apac', 'emea']), true],
    [leaf('crm.status', 'nin', ['open']), true],
    [leaf('crm.tags', 'nin', ['apac', 'emea']), false],
    [leaf('crm.missing', 'nin', ['open']), false],
    // contains: substring of a string, element of an array
    [leaf('crm.status', 'contains', 'WON'), true],
    [leaf('crm.status', 'contains', 'lost'), false],
    [leaf('crm.tags', 'contains', 'enterprise'), true],
    [leaf('crm.tags', 'contains', 'enter'), false],
    [leaf('crm.amount', 'contains', '12'), false],
    // starts_with
    [leaf('crm.status', 'starts_with', 'closed'), true],
    [leaf('crm.status', 'starts_with', 'won'), false],
    [leaf('crm.tags', 'starts_with', 'em'), true],
    // exists / not_exists: null counts as missing
    [leaf('crm.status', 'exists'), true],
    [leaf('crm.cleared', 'exists'), false],
    [leaf('crm.missing', 'exists'), false],
    [leaf('crm.cleared', 'not_exists'), true],
    [leaf('crm.missing', 'not_exists'), true],
    [leaf('crm.status', 'not_exists'), false],
    [leaf('crm.tags', 'exists'), true],
    // numbers
    [leaf('crm.score', 'gt', 41), true],
    [leaf('crm.score', 'gt', '42'), false],
    [leaf('crm.score', 'gte', '42'), true],
    [leaf('crm.amount', 'lt', 1200.51), true],
    [leaf('crm.amount', 'lte', 1200.5), true],
    [leaf('crm.status', 'gt', 0), false],
    [leaf('crm.active', 'gt', 0), false],
    // dates
    [leaf('crm.created', 'before', '2026-11-01'), true],
    [leaf('crm.created', 'after', '2026-10-01T00:00:00+02:00'), true],
    [leaf('crm.renewal', 'after', 'now'), true],
    [leaf('crm.renewal', 'before', 'now'), false],
    [leaf('crm.status', 'before', 'now'), false],
    [leaf('crm.created', 'within_last', 7), true],
    [leaf('crm.created', 'within_last', '3d'), true],
    [leaf('crm.created', 'within_last', '71h'), false],
    [leaf('crm.created', 'not_within_last', '71h'), true],
    [leaf('crm.created', 'not_within_last', '3d'), false],
    [leaf('crm.renewal', 'within_last', 7), false],
    [leaf('crm.renewal', 'not_within_last', 7), false],
    [leaf('crm.missing', 'not_within_last', 7), false],
    [leaf('crm.dates', 'within_last', '2h'), true],
    [leaf('crm.dates', 'not_within_last', '7d'), true],
    // groups
    [{ all: [] }, true],
    [{ all: [leaf('crm.status', 'exists'), leaf('crm.score', 'gt', 40)] }, true],
    [{ all: [leaf('crm.status', 'exists'), leaf('crm.score', 'gt', 50)] }, false],
    [{ any: [leaf('crm.missing', 'exists'), leaf('crm.score', 'gt', 40)] }, true],
    [{ any: [leaf('crm.missing', 'exists')] }, false],
    [{ not: leaf('crm.missing', 'eq', 'x') }, true],
    [{ not: leaf('crm.status', 'eq', 'closed won') }, false],
  ];

  it.each(cases.map(([c, expected]) => [JSON.stringify(c), c, expected] as const))('%s', (_, c, expected) => {
    expect(test(c, person)).toBe(expected);
  });

  it('treats within_last as inclusive at both ends and not_within_last as strictly older', () => {
    const c = leaf('t', 'within_last', '1d');
    expect(test(c, { t: NOW - DAY_MS })).toBe(true);
    expect(test(c, { t: NOW - DAY_MS - 1 })).toBe(false);
    expect(test(c, { t: NOW })).toBe(true);
    expect(test(c, { t: NOW + 1 })).toBe(false);
    expect(test(leaf('t', 'not_within_last', '1d'), { t: NOW - DAY_MS })).toBe(false);
    expect(test(leaf('t', 'not_within_last', '1d'), { t: NOW - DAY_MS - 1 })).toBe(true);
  });

  it('reads dates in every format parseTimestamp accepts', () => {
    const c = leaf('t', 'within_last', '1h');
    for (const t of [
      NOW - MINUTE_MS,
      (NOW - MINUTE_MS) / 1000,
      String((NOW - MINUTE_MS) / 1000),
      '2026-11-01 09:59:00',
    ]) {
      expect(test(c, { t }), String(t)).toBe(true);
    }
  });

  it('does not read through prototype-reaching fields', () => {
    const attributes = JSON.parse('{"__proto__": {"plan": "pro"}}');
    expect(test(leaf('plan', 'eq', 'pro'), attributes)).toBe(false);
    expect(test(leaf('toString', 'exists'), {})).toBe(false);
    expect(test(leaf('toString', 'not_exists'), {})).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Generators for property tests

const FIELDS = ['crm.status', 'crm.score', 'crm.tags', 'crm.date', 'crm.lead.date', 'traits.plan', 'x'];
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 100 }),
  fc.boolean(),
  fc.constantFrom('MQL', 'mql', '42'),
);
const dateish = fc.oneof(
  fc.integer({ min: NOW - 100 * DAY_MS, max: NOW + 100 * DAY_MS }),
  fc.integer({ min: NOW - 100 * DAY_MS, max: NOW + 100 * DAY_MS }).map(iso),
  fc.integer({ min: (NOW - 100 * DAY_MS) / 1000, max: (NOW + 100 * DAY_MS) / 1000 }),
);
const duration = fc.oneof(
  fc.integer({ min: 1, max: 60 }),
  fc.tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom('d', 'h', 'm')).map(([n, u]) => `${n}${u}`),
);

function valueFor(op: Operator): fc.Arbitrary<Condition['value'] | undefined> {
  switch (op) {
    case 'exists':
    case 'not_exists':
      return fc.constant(undefined);
    case 'in':
    case 'nin':
      return fc.array(scalar, { minLength: 1, maxLength: 4 });
    case 'starts_with':
      return fc.string({ minLength: 1, maxLength: 4 });
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return fc.oneof(fc.integer({ min: -5, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'before':
    case 'after':
      return fc.oneof(fc.constant('now'), dateish);
    case 'within_last':
    case 'not_within_last':
      return duration;
    default:
      return scalar;
  }
}

const conditionArb: fc.Arbitrary<Condition> = fc
  .tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...OPERATORS))
  .chain(([field, op]) => valueFor(op).map((value) => leaf(field, op, value)));

const criteriaArb: fc.Arbitrary<Criteria> = fc
  .letrec<{ node: Criteria }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      conditionArb,
      fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('node') }),
    ),
  }))
  .node.filter((c) => validateCriteria(c).ok); // depth and size limits

const attributeValue = fc.oneof(
  scalar,
  dateish,
  fc.constant(null),
  fc.array(fc.oneof(scalar, dateish), { maxLength: 3 }),
);
const attributesArb = fc.oneof(
  fc.record(
    {
      crm: fc.record(
        {
          status: attributeValue,
          score: attributeValue,
          tags: attributeValue,
          date: attributeValue,
          lead: fc.oneof(fc.record({ date: attributeValue }), attributeValue),
        },
        { requiredKeys: [] },
      ),
      traits: fc.record({ plan: attributeValue }, { requiredKeys: [] }),
      x: attributeValue,
    },
    { requiredKeys: [] },
  ),
  fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withDate: true, withMap: true }),
);
const nowArb = fc.integer({ min: NOW - 10 * DAY_MS, max: NOW + 10 * DAY_MS });

describe('evaluate: properties', () => {
  it('never throws on arbitrary attributes', () => {
    fc.assert(
      fc.property(criteriaArb, attributesArb, nowArb, (c, attributes, now) => {
        expect(typeof evaluate(c, attributes, now)).toBe('boolean');
      }),
    );
  });

  it('not(not(x)) == x, and not(x) == !x', () => {
    fc.assert(
      fc.property(criteriaArb, attributesArb, nowArb, (c, attributes, now) => {
        expect(evaluate({ not: { not: c } }, attributes, now)).toBe(evaluate(c, attributes, now));
        expect(evaluate({ not: c }, attributes, now)).toBe(!evaluate(c, attributes, now));
      }),
    );
  });

  it('a missing field matches only not_exists', () => {
    fc.assert(
      fc.property(conditionArb, nowArb, (c, now) => {
        expect(evaluate(c, {}, now)).toBe(c.op === 'not_exists');
        expect(evaluate(c, { crm: null, traits: null, x: null }, now)).toBe(c.op === 'not_exists');
      }),
    );
  });

  it('neq / nin are the negation of eq / in on present scalar fields', () => {
    fc.assert(
      fc.property(scalar, scalar, fc.array(scalar, { minLength: 1, maxLength: 3 }), (actual, value, list) => {
        const a = { f: actual };
        expect(test(leaf('f', 'neq', value), a)).toBe(!test(leaf('f', 'eq', value), a));
        expect(test(leaf('f', 'nin', list), a)).toBe(!test(leaf('f', 'in', list), a));
      }),
    );
  });

  it('validateCriteria accepts every generated criteria', () => {
    fc.assert(
      fc.property(criteriaArb, (c) => {
        expect(validateCriteria(c).ok).toBe(true);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('validateCriteria', () => {
  const bad = (c: unknown) => {
    const r = validateCriteria(c);
    if (r.ok) throw new Error(`accepted ${JSON.stringify(c)}`);
    return `${r.path}: ${r.message}`;
  };

  it('names the offending node', () => {
    const c = { all: [leaf('a', 'eq', 1), leaf('b', 'exists'), { field: 'c', op: 'equals', value: 1 }] };
    expect(bad(c)).toBe('criteria.all[2].op: unknown operator "equals"');
    expect(bad({ any: [{ not: { field: 'a..b', op: 'exists' } }] })).toBe(
      'criteria.any[0].not.field: field "a..b" has an empty segment',
    );
    expect(bad({ all: [{ field: 'a', op: 'in', value: ['x', {}] }] })).toBe(
      'criteria.all[0].value[1]: expected a string, number or boolean',
    );
    expect(bad({ all: [{ field: 'a', op: 'eq', value: 1, operator: 'x' }] })).toBe(
      'criteria.all[0].operator: unknown key "operator"',
    );
    expect(bad({ all: [], any: [] })).toBe('criteria.any: unexpected key "any" next to "all"');
    expect(bad({ 'weird key': 1 })).toBe(
      'criteria: expected {all: [...]}, {any: [...]}, {not: {...}} or a condition {field, op, value}',
    );
  });

  it('checks each operator value', () => {
    const messages: [unknown, string][] = [
      [leaf('a', 'eq'), 'criteria.value: "eq" needs a string, number or boolean'],
      [{ field: 'a', op: 'eq', value: null }, 'criteria.value: "eq" needs a string, number or boolean'],
      [{ field: 'a', op: 'exists', value: true }, 'criteria.value: "exists" takes no value'],
      [leaf('a', 'in', []), 'criteria.value: "in" needs a non-empty array'],
      [{ field: 'a', op: 'nin', value: 'x' }, 'criteria.value: "nin" needs a non-empty array'],
      [leaf('a', 'starts_with', ''), 'criteria.value: "starts_with" needs a non-empty string'],
      [leaf('a', 'gt', 'ten'), 'criteria.value: "gt" needs a number'],
      [
        leaf('a', 'before', 'yesterday'),
        'criteria.value: "before" needs a date (ISO 8601, epoch seconds or ms) or "now"',
      ],
      [
        leaf('a', 'within_last', '7w'),
        'criteria.value: "within_last" needs a duration: days as a number, or "<n>d", "<n>h", "<n>m"',
      ],
      [leaf('a', 'eq', 'x'.repeat(1001)), 'criteria.value: longer than 1000 characters'],
      [{ field: 'a', op: 7 }, 'criteria.op: op must be a string'],
      [{ op: 'eq', value: 1 }, 'criteria.field: field must be a dotted path such as "crm.lead.status"'],
      [leaf('crm.__proto__.x', 'exists'), 'criteria.field: field segment "__proto__" is not allowed'],
      [leaf('a.constructor', 'exists'), 'criteria.field: field segment "constructor" is not allowed'],
      [{ all: 'x' }, 'criteria.all: "all" must be an array'],
      [{ any: [] }, 'criteria.any: "any" needs at least one criterion'],
      [
        { not: [] },
        'criteria.not: expected {all: [...]}, {any: [...]}, {not: {...}} or a condition {field, op, value}',
      ],
    ];
    for (const [c, message] of messages) expect(bad(c)).toBe(message);
  });

  it('accepts good values', () => {
    for (const c of [
      leaf('a', 'gt', '10.5'),
      leaf('a', 'before', '2026-11-01'),
      leaf('a', 'after', 1793527200),
      leaf('a', 'within_last', 0.5),
      leaf('a', 'within_last', '24h'),
      leaf('a', 'in', ['x', 1, true]),
      { all: [] },
    ]) {
      expect(validateCriteria(c)).toEqual({ ok: true, criteria: c });
    }
  });

  it('bounds depth, conditions and nodes', () => {
    let deep: Criteria = leaf('a', 'exists');
    for (let i = 0; i < CRITERIA_LIMITS.depth; i++) deep = { not: deep };
    expect(validateCriteria(deep).ok).toBe(true);
    expect(bad({ all: [deep] })).toMatch(/^criteria\.all\[0\](\.not){9}: nested deeper than 10 levels$/);

    const many = (n: number) => ({ all: Array.from({ length: n }, () => leaf('a', 'exists')) });
    expect(validateCriteria(many(CRITERIA_LIMITS.conditions)).ok).toBe(true);
    expect(bad(many(CRITERIA_LIMITS.conditions + 1))).toBe('criteria.all[100]: more than 100 conditions');
    expect(bad({ all: Array.from({ length: 300 }, () => ({ all: [] })) })).toBe(
      'criteria.all[199]: more than 200 nodes',
    );
  });

  it('rejects arbitrary junk without throwing and names a path', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ withNullPrototype: true, withBigInt: true }), fc.jsonValue()), (junk) => {
        const r = validateCriteria(junk);
        if (!r.ok) {
          expect(r.path).toMatch(/^criteria/);
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('rejects corrupted criteria and points inside them', () => {
    const corruptions = fc.constantFrom<unknown>(
      null,
      1,
      'x',
      [],
      {},
      { op: 'nope' },
      { field: '', op: 'eq', value: 1 },
    );
    fc.assert(
      fc.property(criteriaArb, corruptions, (c, junk) => {
        const r = validateCriteria({ all: [c, junk] });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.path.startsWith('criteria.all[1]')).toBe(true);
      }),
    );
  });

  it('formats paths like JSON pointers written in JS', () => {
    expect(formatPath(['criteria', 'all', 2, 'op'])).toBe('criteria.all[2].op');
    expect(formatPath(['criteria', 'my key'])).toBe('criteria["my key"]');
  });
});

describe('fieldsUsed', () => {
  it('lists distinct fields in order of first use', () => {
    const c: Criteria = {
      all: [
        leaf('crm.status', 'eq', 'x'),
        { not: leaf('crm.score', 'gt', 1) },
        { any: [leaf('crm.status', 'exists')] },
      ],
    };
    expect(fieldsUsed(c)).toEqual(['crm.status', 'crm.score']);
    expect(fieldsUsed({ all: [] })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('membership', () => {
  const audience: AudienceRule = {
    criteria: leaf('crm.lead.status', 'eq', 'SQL'),
    timestamp: { field: 'crm.lead.sql_at', withinDays: 7 },
  };
  const person = (sqlAt: unknown, status = 'sql') => ({ crm: { lead: { status, sql_at: sqlAt } } });

  it('is a member when criteria hold and the timestamp is in range', () => {
    expect(membership(audience, person(iso(NOW - DAY_MS)), NOW)).toEqual({ member: true, timestampMs: NOW - DAY_MS });
    expect(membership(audience, person((NOW - DAY_MS) / 1000), NOW)).toEqual({
      member: true,
      timestampMs: NOW - DAY_MS,
    });
  });

  it('gives the reason otherwise', () => {
    expect(membership(audience, person(iso(NOW), 'MQL'), NOW)).toEqual({
      member: false,
      timestampMs: NOW,
      reason: 'criteria',
    });
    expect(membership(audience, person('soon'), NOW)).toEqual({
      member: false,
      timestampMs: null,
      reason: 'no_timestamp',
    });
    expect(membership(audience, { crm: { lead: { status: 'SQL' } } }, NOW).reason).toBe('no_timestamp');
    expect(membership(audience, person(NOW - 7 * DAY_MS - 1), NOW).reason).toBe('timestamp_too_old');
    expect(membership(audience, person(NOW + 5 * MINUTE_MS + 1), NOW).reason).toBe('timestamp_in_future');
  });

  it('includes both ends of the window', () => {
    expect(membership(audience, person(NOW - 7 * DAY_MS), NOW).member).toBe(true);
    expect(membership(audience, person(NOW + 5 * MINUTE_MS), NOW).member).toBe(true);
  });
});

describe('nextBoundary', () => {
  const audience: AudienceRule = { criteria: { all: [] }, timestamp: { field: 't', withinDays: 7 } };

  it('wakes when a future timestamp comes into range, then when the window closes', () => {
    const ts = NOW + HOUR_MS;
    expect(nextBoundary(audience, { t: ts }, NOW)).toBe(ts - 5 * MINUTE_MS);
    expect(nextBoundary(audience, { t: ts }, ts - 5 * MINUTE_MS)).toBe(ts + 7 * DAY_MS + 1);
    expect(nextBoundary(audience, { t: ts }, ts + 7 * DAY_MS + 1)).toBeNull();
  });

  it('is null without a timestamp or when criteria cannot change by time alone', () => {
    expect(nextBoundary(audience, {}, NOW)).toBeNull();
    expect(nextBoundary({ ...audience, criteria: leaf('s', 'eq', 'x') }, { t: NOW, s: 'y' }, NOW)).toBeNull();
  });

  it('includes clock-relative criteria inside the window', () => {
    const rule: AudienceRule = {
      criteria: { not: leaf('last_seen', 'within_last', '1h') },
      timestamp: { field: 't', withinDays: 7 },
    };
    const attributes = { t: NOW - DAY_MS, last_seen: NOW - 10 * MINUTE_MS };
    expect(membership(rule, attributes, NOW).member).toBe(false);
    expect(nextBoundary(rule, attributes, NOW)).toBe(NOW + 50 * MINUTE_MS + 1);
    expect(membership(rule, attributes, NOW + 50 * MINUTE_MS + 1).member).toBe(true);
    expect(membership(rule, attributes, NOW + 50 * MINUTE_MS).member).toBe(false);
  });

  it('wakes for criteria that turn true before the window opens', () => {
    const rule: AudienceRule = {
      criteria: leaf('trial_end', 'before', 'now'),
      timestamp: { field: 't', withinDays: 7 },
    };
    const attributes = { t: NOW + 2 * DAY_MS, trial_end: NOW + DAY_MS };
    expect(nextBoundary(rule, attributes, NOW)).toBe(NOW + 2 * DAY_MS - 5 * MINUTE_MS);
  });

  it('membership never changes between now and the next boundary', () => {
    const timeCondition = fc
      .tuple(
        fc.constantFrom('a', 'b', 't'),
        fc.constantFrom<Operator>('within_last', 'not_within_last', 'before', 'after'),
      )
      .chain(([field, op]) => valueFor(op).map((value) => leaf(field, op, value)));
    const timeCriteria: fc.Arbitrary<Criteria> = fc
      .letrec<{ node: Criteria }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small' },
          timeCondition,
          fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
          fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
          fc.record({ not: tie('node') }),
        ),
      }))
      .node.filter((c) => validateCriteria(c).ok);
    const attributes = fc.record(
      { t: dateish, a: fc.oneof(dateish, fc.array(dateish, { maxLength: 3 })), b: dateish },
      { requiredKeys: ['t'] },
    );
    const samples = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 });

    fc.assert(
      fc.property(
        timeCriteria,
        fc.integer({ min: 1, max: 90 }),
        attributes,
        nowArb,
        samples,
        (criteria, withinDays, attrs, now, fractions) => {
          const rule: AudienceRule = { criteria, timestamp: { field: 't', withinDays } };
          const next = nextBoundary(rule, attrs, now);
          const until = next ?? now + 200 * DAY_MS;
          if (next !== null) expect(next).toBeGreaterThan(now);
          const before = membership(rule, attrs, now).member;
          for (const f of [...fractions, 1]) {
            const t = Math.min(until - 1, now + Math.floor(f * (until - now)));
            expect(membership(rule, attrs, t).member).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('entryId', () => {
  it('is the first 32 hex digits of sha256(audience|person|seconds)', async () => {
    // printf 'aud_1|person_1|1793527200' | sha256sum | cut -c1-32
    const id = await entryId('aud_1', 'person_1', 1793527200);
    expect(id).toBe('e5cb68806f4fb98006149ec754b2a6a6');
    expect(await entryId('aud_1', 'person_1', 1793527201)).not.toBe(id);
  });

  it('refuses fractional seconds', async () => {
    await expect(entryId('a', 'p', 1.5)).rejects.toThrow(RangeError);
  });
});
