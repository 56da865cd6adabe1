import { describe, expect, it } from 'vitest';
import { biggestLift, countCoverage, coverageReport, weekOf, weekStart, type CoverageWeek } from './coverage-report';

const NOW = Date.UTC(2026, 11, 4, 12); // a Friday

describe('coverage report', () => {
  it('weeks start on Monday, UTC', () => {
    expect(new Date(weekStart(weekOf(NOW))).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(weekOf(Date.UTC(2026, 10, 30))).toBe(weekOf(Date.UTC(2026, 11, 6, 23, 59)));
    expect(weekOf(Date.UTC(2026, 10, 29, 23, 59))).toBe(weekOf(NOW) - 1);
  });

  it('counts shares and the mean score, and names the key that would lift Meta most', () => {
    let w: CoverageWeek = { week: weekOf(NOW), conversions: 0, scoreSum: 0, keys: {} };
    for (let i = 0; i < 10; i++) {
      const keys = [
        'click_id',
        'email',
        'fbc',
        'ip_user_agent',
        ...(i < 9 ? ['phone'] : []),
        ...(i < 4 ? ['fbp'] : []),
      ] as never[];
      w = countCoverage(w, { keys, originatingClick: true, score: 8, scheme: 'meta_emq' });
    }
    const r = coverageReport('meta', [w, { week: weekOf(NOW) - 20, conversions: 5, scoreSum: 5, keys: {} }], 8, NOW);
    expect(r.weeks.map((x) => x.week)).toEqual([
      '2026-10-12',
      '2026-10-19',
      '2026-10-26',
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
    ]);
    expect(r.weeks[0]).toEqual({ week: '2026-10-12', conversions: 0, meanScore: null, shares: {} });
    // The week 20 weeks back is outside the range.
    expect(r.total.conversions).toBe(10);
    expect(r.total.meanScore).toBe(8);
    expect(r.total.shares).toMatchObject({
      email: 1,
      fbc: 1,
      phone: 0.9,
      fbp: 0.4,
      originating_click: 1,
      name_address: 0,
    });
    // fbp missing on 60% (x1 point) beats phone (10% x 1.5), external id and name (100% x 0.5).
    expect(r.lift).toMatchObject({ key: 'fbp', missing: 0.6, gain: 0.6 });
    expect(r.lift!.sentence).toMatch(/^60% of Meta conversions lack fbp: install the tag on the app’s domain/);
  });

  it('the simple scheme: a missing click ID dominates; a stale click is named as such', () => {
    const total = { conversions: 10, meanScore: 5, shares: { email: 1, click_id: 0.5, originating_click: 0.5 } };
    expect(biggestLift('google_data_manager', total)).toMatchObject({ key: 'click_id', missing: 0.5, gain: 2.5 });
    const stale = {
      conversions: 10,
      meanScore: 5,
      shares: { email: 1, phone: 1, ip_user_agent: 1, name_address: 1, click_id: 1, originating_click: 0.2 },
    };
    const lift = biggestLift('microsoft_ads', stale)!;
    expect(lift.key).toBe('originating_click');
    expect(lift.sentence).toMatch(/^80% of Microsoft conversions carry a click older than Microsoft’s click window/);
    expect(biggestLift('linkedin', { conversions: 0, meanScore: null, shares: {} })).toBeNull();
    expect(
      biggestLift('google_ads', {
        conversions: 3,
        meanScore: 10,
        shares: { click_id: 1, originating_click: 1, email: 1, phone: 1 },
      }),
    ).toBeNull();
  });
});
