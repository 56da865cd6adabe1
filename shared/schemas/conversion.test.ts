import { describe, expect, it } from 'vitest';
import { conversionPatchSchema, conversionSchema } from './conversion';

const retractOn = {
  criteria: { field: 'crm.deal.stage', op: 'in', value: ['closed_lost', 'refunded'] },
  timestamp: 'crm.deal.closed_at',
};

describe('retractOn', () => {
  it('is opt-in, takes audience criteria and an optional timestamp field, and can be cleared', () => {
    expect(conversionSchema.parse({ destinationId: 'd' }).retractOn).toBeUndefined();
    expect(conversionSchema.parse({ destinationId: 'd', retractOn }).retractOn).toEqual(retractOn);
    expect(
      conversionSchema.parse({ destinationId: 'd', retractOn: { criteria: retractOn.criteria } }).retractOn,
    ).toEqual({ criteria: retractOn.criteria });
    expect(conversionPatchSchema.parse({ retractOn: null }).retractOn).toBeNull();
    expect(conversionSchema.parse({ destinationId: 'd', retractOn: null }).retractOn).toBeUndefined();
  });

  it('names the problem in bad criteria or field paths', () => {
    const paths = (v: unknown) =>
      conversionSchema.safeParse({ destinationId: 'd', retractOn: v }).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ criteria: { field: 'crm.deal.stage', op: 'nope', value: 1 } })![0]).toMatch(/^retractOn\.criteria/);
    expect(paths({ criteria: retractOn.criteria, timestamp: '' })).toEqual(['retractOn.timestamp']);
    expect(paths({ criteria: retractOn.criteria, when: 'x' })).toEqual(['retractOn']);
  });
});
