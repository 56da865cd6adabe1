// fast-check over the criteria language itself: validation and evaluation of untrusted JSON never
// throw, never touch Object.prototype, stay bounded on huge or deep input, and evaluation of a
// validated tree always answers a boolean. FUZZ_RUNS sets the cases (scripts/fuzz.mjs: 10,000).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, getPath, membership, nextBoundary, OPERATORS, type Criteria } from './criteria';
import { validateCriteria } from './criteria-validation';

// shared/ is typechecked without Node's types; the test itself runs in Node.
const FUZZ_RUNS = Number(
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.FUZZ_RUNS,
);
const RUNS = FUZZ_RUNS > 0 ? FUZZ_RUNS : 500;
const NOW = Date.UTC(2026, 5, 1);
const PROTO = new Set(Object.getOwnPropertyNames(Object.prototype));
const clean = () =>
  Object.getOwnPropertyNames(Object.prototype).every((k) => PROTO.has(k)) &&
  ({} as Record<string, unknown>).polluted === undefined;

const polluting = fc
  .constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}')
  .map((t) => JSON.parse(t) as unknown);
const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), polluting, fc.constant(undefined));
const field = fc.oneof(
  fc.constantFrom(
    'crm.status',
    'crm.score',
    'crm.at',
    'crm.list.0',
    '__proto__.polluted',
    'constructor.prototype',
    'crm.__proto__',
    'a..b',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constantFrom('5d', '2026-06-01', '1780000000', 'NaN'),
);
const node = fc.letrec<{ n: unknown }>((tie) => ({
  n: fc.oneof(
    { maxDepth: 5 },
    fc.record(
      {
        field,
        op: fc.oneof(fc.constantFrom(...OPERATORS), fc.string({ maxLength: 6 })),
        value: fc.oneof(scalar, fc.array(scalar, { maxLength: 6 }), junk),
      },
      { requiredKeys: ['field', 'op'] },
    ),
    fc.record({ all: fc.array(tie('n'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('n'), { maxLength: 4 }) }),
    fc.record({ not: tie('n') }),
    junk,
  ),
})).n;
const attributes = fc.oneof(
  fc.record(
    {
      crm: fc.record(
        { status: scalar, score: scalar, at: scalar, list: fc.array(scalar, { maxLength: 3 }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
  polluting,
);

describe('criteria language under fast-check', () => {
  it('validateCriteria never throws; a valid tree always evaluates to a boolean, never throwing', () => {
    fc.assert(
      fc.property(node, attributes, fc.integer({ min: 0, max: 4_000_000_000_000 }), (c, attrs, now) => {
        const v = validateCriteria(c);
        if (v.ok) {
          expect(typeof evaluate(v.criteria, attrs, now)).toBe('boolean');
          const m = membership(
            { criteria: v.criteria, timestamp: { field: 'crm.at', withinDays: 30 } } as never,
            attrs,
            now,
          );
          expect(typeof m.member).toBe('boolean');
          const next = nextBoundary(
            { criteria: v.criteria, timestamp: { field: 'crm.at', withinDays: 30 } } as never,
            attrs,
            now,
          );
          expect(next === null || Number.isFinite(next)).toBe(true);
        } else {
          expect(v.path.startsWith('criteria')).toBe(true);
          expect(v.message.length).toBeGreaterThan(0);
        }
        expect(clean()).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('getPath never reaches a prototype', () => {
    fc.assert(
      fc.property(field, attributes, (f, attrs) => {
        const v = getPath(attrs, f);
        expect(v === Object.prototype || v === Function.prototype || typeof v === 'function').toBe(false);
      }),
      { numRuns: RUNS },
    );
    expect(getPath({}, '__proto__')).toBeUndefined();
    expect(getPath({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(getPath({ a: [] }, 'a.length')).toBeUndefined();
  });

  it('huge and deep input is refused (no stack overflow), not evaluated', () => {
    let deep: unknown = { field: 'crm.status', op: 'exists' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    const wide = { any: Array.from({ length: 1_000_000 }, () => ({ field: 'crm.status', op: 'exists' })) };
    const longList = { field: 'crm.status', op: 'in', value: Array.from({ length: 1_000_000 }, (_, i) => String(i)) };
    for (const c of [deep, wide, longList]) expect(validateCriteria(c).ok).toBe(false);
    // Deeply nested attributes are read along the path only.
    let attrs: Record<string, unknown> = { status: 'x' };
    for (let i = 0; i < 100_000; i++) attrs = { crm: attrs };
    expect(evaluate({ field: 'crm.crm.crm.status', op: 'exists' } as Criteria, attrs, NOW)).toBe(false);
  });
});
