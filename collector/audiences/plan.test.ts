import { describe, expect, it } from 'vitest';
import { EMPTY_PRIOR, planEvaluation, type AudiencePrior } from './plan';
import type { AudienceConfig } from './types';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const MQL_AT = NOW - 2 * DAY;
const TS = MQL_AT / 1000;

type Audience = AudienceConfig['audiences'][number];
type Conversion = Audience['conversions'][number];

function conversion(id: string, extra: Partial<Conversion> = {}): Conversion {
  return {
    id,
    audienceId: 'aud',
    destinationId: `dest-${id}`,
    enabledAt: 0,
    createdAt: 0,
    updatedAt: 0,
    sendExisting: true,
    paused: false,
    ...extra,
  } as Conversion;
}

function audience(extra: Partial<Audience> = {}): Audience {
  return {
    id: 'aud',
    name: 'MQLs',
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    reentry: 'once',
    allowTraits: false,
    paused: false,
    criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
    timestamp: { field: 'crm.mql_at', withinDays: 7 },
    conversions: [conversion('c1')],
    ...extra,
  } as Audience;
}

const config = (...audiences: Audience[]): AudienceConfig => ({ version: 1, audiences });
const mql = (at = MQL_AT) => ({ crm: { lifecycle: 'mql', mql_at: new Date(at).toISOString() } });
const lost = { crm: { lifecycle: 'lost', mql_at: new Date(MQL_AT).toISOString() } };
const prior = (p: Partial<AudiencePrior>): AudiencePrior => ({ ...EMPTY_PRIOR, tracked: true, ...p });
const entered = { id: 'e1', audienceId: 'aud', timestamp: TS, enteredAt: NOW - DAY };
const memberState = { audienceId: 'aud', member: true, timestampMs: MQL_AT };

describe('planEvaluation', () => {
  it('a new member: one entry, its membership row and conversion row, and the window as the next boundary', () => {
    const plan = planEvaluation(config(audience()), mql(), EMPTY_PRIOR, NOW);
    expect(plan).toMatchObject({
      members: ['aud'],
      entries: [{ audienceId: 'aud', timestamp: TS }],
      exits: [],
      states: [{ audienceId: 'aud', member: true, timestampMs: MQL_AT }],
      newConversions: [
        {
          entryId: null,
          audienceId: 'aud',
          conversionId: 'c1',
          destinationId: 'dest-c1',
          timestamp: TS,
          status: 'pending',
          reason: null,
        },
      ],
      wouldEnter: true,
      untracked: false,
    });
    // The window closes withinDays after the timestamp.
    expect(plan.nextBoundary).toBe(MQL_AT + 7 * DAY + 1);
  });

  it('a person with no tables and no membership is untracked: nothing to write, the boundary still found', () => {
    const future = { crm: { lifecycle: 'mql', mql_at: new Date(NOW + DAY).toISOString() } };
    const plan = planEvaluation(config(audience()), future, EMPTY_PRIOR, NOW);
    expect(plan).toMatchObject({
      members: [],
      entries: [],
      states: [],
      newConversions: [],
      wouldEnter: false,
      untracked: true,
    });
    expect(plan.nextBoundary).toBe(NOW + DAY - 5 * 60_000);
  });

  it('an evaluation that changes nothing plans no write', () => {
    const plan = planEvaluation(
      config(audience()),
      mql(),
      prior({
        states: [memberState],
        entries: [entered],
        conversions: [
          {
            id: 'e1:c1',
            entryId: 'e1',
            audienceId: 'aud',
            conversionId: 'c1',
            timestamp: TS,
            status: 'sent',
            reason: null,
            handedOff: true,
          },
        ],
      }),
      NOW,
    );
    expect(plan).toMatchObject({
      members: ['aud'],
      entries: [],
      exits: [],
      states: [],
      newConversions: [],
      conversionUpdates: [],
      retractions: [],
      wouldEnter: false,
    });
  });

  it('re-entry: `once` never enters again, `per_timestamp` enters per new timestamp', () => {
    const later = mql(NOW - DAY);
    const before = prior({ states: [{ audienceId: 'aud', member: false, timestampMs: null }], entries: [entered] });
    expect(planEvaluation(config(audience()), later, before, NOW).entries).toEqual([]);
    const plan = planEvaluation(config(audience({ reentry: 'per_timestamp' })), later, before, NOW);
    expect(plan.entries).toEqual([{ audienceId: 'aud', timestamp: (NOW - DAY) / 1000 }]);
    // The earlier entry's row is missing (turned on since): it is made too, under the go-live rules.
    expect(plan.newConversions.map((c) => c.entryId)).toEqual(['e1', null]);
  });

  it('an exit marked as a reversal retracts a conversion handed off, and skips one not handed off yet', () => {
    const retractOn = { criteria: { field: 'crm.lifecycle', op: 'eq', value: 'lost' } } as Conversion['retractOn'];
    const a = audience({ conversions: [conversion('c1', { retractOn }), conversion('c2', { retractOn })] });
    const rows: AudiencePrior['conversions'] = [
      {
        id: 'e1:c1',
        entryId: 'e1',
        audienceId: 'aud',
        conversionId: 'c1',
        timestamp: TS,
        status: 'sent',
        reason: null,
        handedOff: true,
      },
      {
        id: 'e1:c2',
        entryId: 'e1',
        audienceId: 'aud',
        conversionId: 'c2',
        timestamp: TS,
        status: 'pending',
        reason: null,
        handedOff: false,
      },
    ];
    const plan = planEvaluation(
      config(a),
      lost,
      prior({ states: [memberState], entries: [entered], conversions: rows }),
      NOW,
    );
    expect(plan.exits).toEqual([{ audienceId: 'aud', reason: 'criteria', timestampMs: MQL_AT }]);
    expect(plan.states).toEqual([{ audienceId: 'aud', member: false, timestampMs: null }]);
    expect(plan.retractions).toEqual([
      {
        conversionRowId: 'e1:c1',
        entryId: 'e1',
        audienceId: 'aud',
        conversionId: 'c1',
        destinationId: 'dest-c1',
        timestamp: TS,
        retractAt: NOW / 1000,
        status: 'pending',
        reason: null,
      },
    ]);
    // Skipped once, and not reconciled again afterwards.
    expect(plan.conversionUpdates).toEqual([{ id: 'e1:c2', status: 'skipped', reason: 'reversed' }]);
  });

  it('an audience deleted since: the membership ends, its open rows and retractions are cancelled', () => {
    const plan = planEvaluation(
      config(),
      mql(),
      prior({
        states: [memberState],
        entries: [entered],
        conversions: [
          {
            id: 'e1:c1',
            entryId: 'e1',
            audienceId: 'aud',
            conversionId: 'c1',
            timestamp: TS,
            status: 'pending',
            reason: null,
            handedOff: true,
          },
        ],
        openRetractions: [{ id: 'x:retract', audienceId: 'aud', conversionId: 'c1' }],
      }),
      NOW,
    );
    expect(plan.exits).toEqual([{ audienceId: 'aud', reason: 'audience_deleted', timestampMs: MQL_AT }]);
    expect(plan.dropStates).toEqual(['aud']);
    expect(plan.conversionUpdates).toEqual([{ id: 'e1:c1', status: 'cancelled', reason: null }]);
    expect(plan.cancelRetractions).toEqual(['x:retract']);
  });

  it('pause and resume: open rows wait, and go again only inside the window', () => {
    const row = (status: 'pending' | 'paused', handedOff: boolean) => ({
      id: 'e1:c1',
      entryId: 'e1',
      audienceId: 'aud',
      conversionId: 'c1',
      timestamp: TS,
      status,
      reason: null,
      handedOff,
    });
    const at = (a: Audience, r: ReturnType<typeof row>, now = NOW) =>
      planEvaluation(config(a), mql(), prior({ states: [memberState], entries: [entered], conversions: [r] }), now)
        .conversionUpdates;
    expect(at(audience({ paused: true }), row('pending', false))).toEqual([
      { id: 'e1:c1', status: 'paused', reason: null },
    ]);
    expect(at(audience(), row('paused', false))).toEqual([{ id: 'e1:c1', status: 'pending', reason: null }]);
    // Handed off before the pause: the outbox held it, and it goes on resume whatever the window.
    expect(at(audience(), row('paused', true))).toEqual([{ id: 'e1:c1', status: 'pending', reason: null }]);
    // Resumed after the window closed (evaluated later, the person no longer a member): skipped.
    expect(at(audience(), row('paused', false), NOW + 8 * DAY)).toEqual([
      { id: 'e1:c1', status: 'skipped', reason: 'outside_window' },
    ]);
  });

  it('go-live rules for the new rows: consent denied and entries before the turn-on are skipped', () => {
    expect(
      planEvaluation(config(audience()), mql(), { ...EMPTY_PRIOR, consent: 'denied' }, NOW).newConversions[0],
    ).toMatchObject({ status: 'skipped', reason: 'consent_denied' });
    const c = conversion('c1', { enabledAt: NOW, sendExisting: false });
    expect(
      planEvaluation(
        config(audience({ conversions: [c] })),
        mql(),
        prior({ states: [memberState], entries: [entered] }),
        NOW,
      ).newConversions,
    ).toMatchObject([{ entryId: 'e1', status: 'skipped', reason: 'existing_entry' }]);
  });

  it('browser traits count only for an audience that allows them', () => {
    const traits = { traits: { lifecycle: 'mql', mql_at: new Date(MQL_AT).toISOString() } };
    const a = audience({
      criteria: { field: 'traits.lifecycle', op: 'eq', value: 'mql' },
      timestamp: { field: 'traits.mql_at', withinDays: 7 },
    });
    expect(planEvaluation(config(a), traits, EMPTY_PRIOR, NOW).members).toEqual([]);
    expect(planEvaluation(config({ ...a, allowTraits: true }), traits, EMPTY_PRIOR, NOW).members).toEqual(['aud']);
  });
});
