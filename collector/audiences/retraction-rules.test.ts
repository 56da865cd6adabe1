import { describe, expect, it } from 'vitest';
import { retractionFor } from './retraction-rules';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY = 86_400_000;
const audience = { timestamp: { field: 'crm.mql_at', withinDays: 7 } };
const lost = { field: 'crm.deal.stage', op: 'eq', value: 'closed_lost' } as const;
const attrs = (stage: string, lostAt?: unknown) => ({
  crm: { deal: { stage, ...(lostAt === undefined ? {} : { lost_at: lostAt }) } },
});

describe('retractionFor', () => {
  it('retracts only when the conversion opted in and its criteria hold at the exit', () => {
    expect(retractionFor(audience, { retractOn: undefined }, attrs('closed_lost'), 'pending', NOW)).toBeNull();
    expect(retractionFor(audience, { retractOn: { criteria: lost } }, attrs('won'), 'pending', NOW)).toBeNull();
    expect(retractionFor(audience, { retractOn: { criteria: lost } }, attrs('closed_lost'), 'pending', NOW)).toEqual({
      status: 'pending',
      reason: null,
      retractAt: NOW / 1000,
    });
  });

  it('withdraws nothing that was never going to be sent', () => {
    for (const s of [null, 'skipped', 'cancelled'] as const)
      expect(retractionFor(audience, { retractOn: { criteria: lost } }, attrs('closed_lost'), s, NOW)).toBeNull();
  });

  it('dates the reversal by its attribute and applies the audience window to it (the backfill guard)', () => {
    const spec = { retractOn: { criteria: lost, timestamp: 'crm.deal.lost_at' } };
    expect(
      retractionFor(audience, spec, attrs('closed_lost', new Date(NOW - 2 * DAY).toISOString()), 'sent', NOW),
    ).toEqual({ status: 'pending', reason: null, retractAt: (NOW - 2 * DAY) / 1000 });
    expect(
      retractionFor(audience, spec, attrs('closed_lost', new Date(NOW - 8 * DAY).toISOString()), 'sent', NOW),
    ).toMatchObject({ status: 'skipped', reason: 'outside_window' });
    expect(
      retractionFor(audience, spec, attrs('closed_lost', new Date(NOW + DAY).toISOString()), 'sent', NOW),
    ).toMatchObject({ status: 'skipped', reason: 'outside_window' });
    expect(retractionFor(audience, spec, attrs('closed_lost', 'soon'), 'sent', NOW)).toMatchObject({
      status: 'skipped',
      reason: 'no_timestamp',
    });
  });
});
