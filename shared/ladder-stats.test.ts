import { describe, expect, it } from 'vitest';
import { formatRate, ladderAdvice, monthlyRate, verdictOf } from './ladder-stats';

describe('monthlyRate', () => {
  it('averages the measured weeks and scales a week to a month', () => {
    expect(monthlyRate([7, 7, 7, 7], 4)).toBeCloseTo(30.4375, 6);
    // Weeks before the conversion was turned on do not dilute the rate.
    expect(monthlyRate([0, 0, 14, 14], 2)).toBeCloseTo(60.875, 6);
    expect(monthlyRate([1, 2, 3], 10)).toBeCloseTo((6 / 3) * (30.4375 / 7), 6);
    expect(monthlyRate([5, 5], 0)).toBeNull();
  });
});

describe('verdictOf', () => {
  it('is enough from 50 a month, borderline from 30, too rare below', () => {
    expect(verdictOf(50)).toBe('enough');
    expect(verdictOf(49.9)).toBe('borderline');
    expect(verdictOf(30)).toBe('borderline');
    expect(verdictOf(29.9)).toBe('too_rare');
    expect(verdictOf(0)).toBe('too_rare');
    expect(verdictOf(null)).toBe('no_data');
  });
});

describe('ladderAdvice', () => {
  const weeks = (perWeek: number) => Array(8).fill(perWeek) as number[];

  it('names the deepest stage with enough and sends rarer stages to it', () => {
    const advice = ladderAdvice([
      { key: 'lead', name: 'Lead', weekly: weeks(60), weeksMeasured: 8 },
      { key: 'mql', name: 'MQL', weekly: weeks(15), weeksMeasured: 8 },
      { key: 'sql', name: 'SQL', weekly: weeks(1.84), weeksMeasured: 8 },
      { key: 'won', name: 'Won', weekly: weeks(0), weeksMeasured: 8 },
    ]);
    expect(advice.optimizeOn).toBe('mql');
    expect(advice.stages.map((s) => s.verdict)).toEqual(['enough', 'enough', 'too_rare', 'too_rare']);
    expect(advice.stages[2]!.hint).toBe(
      'SQL: 8 a month: too rare to optimize bidding on; optimize on MQL and report SQL as a secondary conversion.',
    );
    expect(advice.stages[3]!.hint).toContain('Won: 0 a month: too rare');
    expect(advice.stages[1]!.hint).toBe(
      'MQL: 65 a month: enough to optimize bidding on, and the deepest stage that is: optimize on MQL.',
    );
    expect(advice.stages[0]!.hint).toContain('MQL is deeper in the funnel');
  });

  it('counts a borderline stage as one to optimize on', () => {
    const advice = ladderAdvice([
      { key: 'lead', name: 'Lead', weekly: weeks(20), weeksMeasured: 8 },
      { key: 'sql', name: 'SQL', weekly: weeks(8), weeksMeasured: 8 },
    ]);
    expect(advice.optimizeOn).toBe('sql');
    expect(advice.stages[1]!.verdict).toBe('borderline');
    expect(advice.stages[1]!.hint).toContain('slow learning phase');
  });

  it('says so when no stage reaches 30 a month, and when a stage sends nothing', () => {
    const advice = ladderAdvice([
      { key: 'lead', name: 'Lead', weekly: weeks(2), weeksMeasured: 8 },
      { key: 'sql', name: 'SQL', weekly: weeks(0), weeksMeasured: 0 },
    ]);
    expect(advice.optimizeOn).toBeNull();
    expect(advice.stages[0]!.hint).toContain('no stage of this ladder reaches 30 a month');
    expect(advice.stages[1]).toMatchObject({ verdict: 'no_data', monthly: null });
    expect(advice.stages[1]!.hint).toContain('no conversion is turned on');
  });
});

describe('formatRate', () => {
  it('rounds to whole numbers from 10, to a tenth below', () => {
    expect(formatRate(7.96)).toBe('8');
    expect(formatRate(8.04)).toBe('8');
    expect(formatRate(0.43)).toBe('0.4');
    expect(formatRate(64.9)).toBe('65');
    expect(formatRate(0)).toBe('0');
  });
});
