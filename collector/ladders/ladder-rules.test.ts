import { describe, expect, it } from 'vitest';
import type { ConversionSettings } from '../../shared/schemas/conversion';
import type { DefinitionIssue } from '../audiences/definition-issues';
import { expandSend, sameEventIssues, slug, stageIssues } from './ladder-rules';

const at = (i: number, rest: string) => `stages[${i}]${rest}`;
const stages = [
  { key: 'lead', name: 'Lead' },
  { key: 'won', name: 'Won' },
];

function expand(send: Parameters<typeof expandSend>[0], type = 'meta', state: 'live' | 'deleted' | 'unknown' = 'live') {
  const out = {
    conversions: stages.map(() => [] as ConversionSettings[]),
    origins: stages.map(() => [] as (string | null)[]),
    issues: [] as DefinitionIssue[],
  };
  expandSend(send, 'send[0]', stages, { types: new Map([[send.destinationId, type]]), state: () => state }, out);
  return out;
}

describe('slug', () => {
  it('makes a key from the name, or stage_N when nothing starts with a letter', () => {
    expect(slug('Marketing Qualified Lead!', 0)).toBe('marketing_qualified_lead');
    expect(slug('2024 deals', 2)).toBe('stage_3');
  });
});

describe('stageIssues', () => {
  it('names a repeated key, a missing audience and an audience used twice, each at its stage', () => {
    const issues = stageIssues(
      [
        { key: 'a', audienceId: 'aud_1' },
        { key: 'a', audienceId: 'aud_gone' },
        { key: 'b', audienceId: 'aud_1' },
        { key: 'c' },
      ],
      at,
      (id) => id === 'aud_1',
    );
    expect(issues).toEqual([
      { path: 'stages[1].key', message: 'two stages have the key "a"' },
      { path: 'stages[1].audienceId', message: 'no audience aud_gone' },
      { path: 'stages[2].audienceId', message: 'audience aud_1 is already a stage of this ladder' },
    ]);
    expect(stageIssues([{ key: 'a', audienceId: 'aud_1' }], at, () => true)).toEqual([]);
  });
});

describe('expandSend', () => {
  it('makes a conversion per stage, with the event name by stage for platforms that count by name', () => {
    const out = expand({ destinationId: 'dst_m', value: 10, currency: 'EUR', stages: { won: { value: 500 } } });
    expect(out.issues).toEqual([]);
    expect(out.origins).toEqual([['send[0].stages.lead'], ['send[0].stages.won']]);
    expect(out.conversions[1]![0]).toMatchObject({
      destinationId: 'dst_m',
      eventName: 'Won',
      value: 500,
      currency: 'EUR',
    });
    expect(out.conversions[0]![0]).toMatchObject({ value: 10, sendExisting: true, paused: false });
  });

  it('leaves out a stage sent `send: false`, and the currency where no value goes', () => {
    const out = expand({ destinationId: 'dst_g', currency: 'USD', stages: { lead: { send: false } } }, 'google_ads');
    expect(out.conversions[0]).toEqual([]);
    expect(out.conversions[1]![0]).not.toHaveProperty('currency');
    expect(out.conversions[1]![0]).not.toHaveProperty('eventName');
  });

  it('refuses a deleted or unknown destination and a stage the ladder does not have', () => {
    expect(expand({ destinationId: 'dst_x' }, 'meta', 'deleted').issues).toEqual([
      { path: 'send[0].destinationId', message: 'destination dst_x was deleted' },
    ]);
    expect(expand({ destinationId: 'dst_x', stages: { nope: {} } }, 'meta', 'unknown').issues).toEqual([
      { path: 'send[0].destinationId', message: 'no destination dst_x is configured' },
      { path: 'send[0].stages.nope', message: 'no stage "nope" in this ladder (stages: lead, won)' },
    ]);
  });
});

describe('sameEventIssues', () => {
  const types = new Map([
    ['dst_m', 'meta'],
    ['dst_g', 'google_ads'],
  ]);

  it('refuses two stages sending one event (or the default conversion action) to one destination', () => {
    const conversions = [
      [{ destinationId: 'dst_m', eventName: 'Lead' } as ConversionSettings],
      [{ destinationId: 'dst_m', eventName: 'Lead' } as ConversionSettings],
    ];
    expect(sameEventIssues(stages, conversions, [['a'], ['b']], types)).toEqual([
      {
        path: 'b.eventName',
        message: 'stages "lead" and "won" would both send event "Lead" to dst_m: give each stage its own eventName',
      },
    ]);
    const google = [
      [{ destinationId: 'dst_g' } as ConversionSettings],
      [{ destinationId: 'dst_g' } as ConversionSettings],
    ];
    expect(sameEventIssues(stages, google, [['a'], ['b']], types)[0]!.path).toBe('b.conversionAction');
  });

  it('leaves alone what the audiences had already (origin null) and distinct events', () => {
    const twice = [
      [{ destinationId: 'dst_m', eventName: 'Lead' } as ConversionSettings],
      [{ destinationId: 'dst_m', eventName: 'Lead' } as ConversionSettings],
    ];
    expect(sameEventIssues(stages, twice, [[null], [null]], types)).toEqual([]);
    const distinct = [
      [{ destinationId: 'dst_m', eventName: 'Lead' } as ConversionSettings],
      [{ destinationId: 'dst_m', eventName: 'Won' } as ConversionSettings],
    ];
    expect(sameEventIssues(stages, distinct, [['a'], ['b']], types)).toEqual([]);
  });
});
