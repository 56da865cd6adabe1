import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audiencePatchSchema, audienceSchema } from './audience';

const valid = {
  name: 'SQLs',
  criteria: { all: [{ field: 'crm.lead.status', op: 'eq', value: 'SQL' }] },
  timestamp: { field: 'crm.lead.sql_at', withinDays: 30 },
};

const issues = (input: unknown) => {
  const r = audienceSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('audienceSchema', () => {
  it('fills defaults', () => {
    expect(audienceSchema.parse(valid)).toEqual({ ...valid, reentry: 'once', allowTraits: false, paused: false });
  });

  it('names the offending criteria node', () => {
    const input = { ...valid, criteria: { all: [valid.criteria.all[0], { field: 'x', op: 'equals', value: 1 }] } };
    expect(issues(input)).toEqual(['criteria.all.1.op: unknown operator "equals"']);
  });

  it('checks name, timestamp and reentry', () => {
    expect(issues({ ...valid, name: ' ' })).toHaveLength(1);
    expect(issues({ ...valid, name: 'x'.repeat(201) })).toHaveLength(1);
    expect(issues({ ...valid, timestamp: { field: 'a', withinDays: 91 } })[0]).toMatch(/^timestamp\.withinDays:/);
    expect(issues({ ...valid, timestamp: { field: 'a', withinDays: 1.5 } })[0]).toMatch(/^timestamp\.withinDays:/);
    expect(issues({ ...valid, timestamp: { field: 'a', withinDays: 0 } })[0]).toMatch(/^timestamp\.withinDays:/);
    expect(issues({ ...valid, timestamp: { field: 'a.__proto__', withinDays: 1 } })).toEqual([
      'timestamp.field: field segment "__proto__" is not allowed',
    ]);
    expect(issues({ ...valid, reentry: 'always' })[0]).toMatch(/^reentry:/);
    expect(audienceSchema.parse({ ...valid, reentry: 'per_timestamp' }).reentry).toBe('per_timestamp');
  });

  it('rejects browser-sent traits unless allowTraits is set', () => {
    const withTraits = {
      ...valid,
      criteria: { any: [{ field: 'crm.x', op: 'exists' }, { not: { field: 'traits.plan', op: 'eq', value: 'free' } }] },
      timestamp: { field: 'traits.signed_up_at', withinDays: 7 },
    };
    expect(issues(withTraits)).toEqual([
      'timestamp.field: "traits.signed_up_at" is a browser-sent trait; set allowTraits: true to use it',
      'criteria.any.1.not.field: "traits.plan" is a browser-sent trait; set allowTraits: true to use it',
    ]);
    expect(issues({ ...withTraits, allowTraits: true })).toEqual([]);
    expect(issues({ ...valid, criteria: { field: 'traitsx.plan', op: 'exists' } })).toEqual([]);
    // Trusted sources written by identifies: a signed identify and the Segment HTTP API with a secret key.
    expect(
      issues({
        ...valid,
        criteria: { field: 'segment.plan', op: 'eq', value: 'pro' },
        timestamp: { field: 'signed_traits.signed_up_at', withinDays: 7 },
      }),
    ).toEqual([]);
  });

  it('parses patches without filling defaults', () => {
    expect(audiencePatchSchema.parse({ paused: true })).toEqual({ paused: true });
    expect(audiencePatchSchema.parse({})).toEqual({});
    const r = audiencePatchSchema.safeParse({ criteria: { not: { field: 'a', op: 'exists', value: 1 } } });
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual(['criteria.not.value']);
  });

  it('never throws on junk', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true }), fc.anything(), (junk, criteria) => {
        expect(audienceSchema.safeParse(junk).success).toBe(false);
        audienceSchema.safeParse({ ...valid, criteria });
      }),
    );
  });
});
