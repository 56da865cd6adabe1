// The stage ladder's rarity rule: how many conversions a month each stage makes, measured over the
// weeks it has been sending, against the 30–50 a month the platforms' automated bidding needs to
// learn from, and which stage to optimize on: the deepest (closest to revenue) that has enough.

export const BIDDING_MIN_PER_MONTH = 30;
export const BIDDING_GOOD_PER_MONTH = 50;
const WEEKS_PER_MONTH = 30.4375 / 7;

export type Verdict = 'enough' | 'borderline' | 'too_rare' | 'no_data';

export interface StageCounts {
  key: string;
  name: string;
  /** Conversions per week, oldest first; the last entry is the week ending now. */
  weekly: number[];
  /** How many of the latest weeks count (since the stage's first conversion was turned on); 0: none is. */
  weeksMeasured: number;
}

export interface StageAdvice extends StageCounts {
  /** Conversions a month at the measured rate (null without data). */
  monthly: number | null;
  verdict: Verdict;
  hint: string;
}

export interface LadderAdvice {
  stages: StageAdvice[];
  /** The stage to optimize bidding on: the deepest with at least 30 a month (null: none has). */
  optimizeOn: string | null;
}

/** Conversions a month from the last `weeksMeasured` weeks (null when nothing was measured). */
export function monthlyRate(weekly: number[], weeksMeasured: number): number | null {
  const weeks = Math.min(weekly.length, Math.max(0, Math.floor(weeksMeasured)));
  if (weeks === 0) return null;
  const total = weekly.slice(weekly.length - weeks).reduce((a, b) => a + b, 0);
  return (total / weeks) * WEEKS_PER_MONTH;
}

export function verdictOf(monthly: number | null): Verdict {
  if (monthly === null) return 'no_data';
  if (monthly >= BIDDING_GOOD_PER_MONTH) return 'enough';
  if (monthly >= BIDDING_MIN_PER_MONTH) return 'borderline';
  return 'too_rare';
}

/** "8", "0.5", "120": what the hints print. */
export function formatRate(monthly: number): string {
  return monthly >= 10 || monthly === 0 ? String(Math.round(monthly)) : String(Math.round(monthly * 10) / 10);
}

/** Stages in funnel order (first = widest); each gets its monthly rate, a verdict and a hint. */
export function ladderAdvice(stages: StageCounts[]): LadderAdvice {
  const rated = stages.map((s) => {
    const monthly = monthlyRate(s.weekly, s.weeksMeasured);
    return { ...s, monthly, verdict: verdictOf(monthly) };
  });
  let deepest: (typeof rated)[number] | undefined;
  for (const s of rated) if (s.verdict === 'enough' || s.verdict === 'borderline') deepest = s;
  const advised = rated.map((s): StageAdvice => ({ ...s, hint: hintFor(s, deepest) }));
  return { stages: advised, optimizeOn: deepest?.key ?? null };
}

function hintFor(
  s: StageCounts & { monthly: number | null; verdict: Verdict },
  deepest: { key: string; name: string } | undefined,
): string {
  if (s.verdict === 'no_data')
    return `${s.name}: no conversion is turned on for this stage yet, so nothing is counted.`;
  const rate = `${s.name}: ${formatRate(s.monthly!)} a month`;
  const isDeepest = deepest?.key === s.key;
  switch (s.verdict) {
    case 'too_rare':
      return deepest
        ? `${rate}: too rare to optimize bidding on; optimize on ${deepest.name} and report ${s.name} as a secondary conversion.`
        : `${rate}: too rare to optimize bidding on, and no stage of this ladder reaches ${BIDDING_MIN_PER_MONTH} a month; optimize on a more frequent event and report ${s.name} as a secondary conversion.`;
    case 'borderline':
      return isDeepest
        ? `${rate}: at the edge of what bidding needs (${BIDDING_MIN_PER_MONTH}–${BIDDING_GOOD_PER_MONTH} a month); the deepest stage that reaches it, so the one to optimize on; expect a slow learning phase.`
        : `${rate}: enough to optimize on, but ${deepest!.name} is deeper in the funnel and also reaches ${BIDDING_MIN_PER_MONTH} a month: prefer it and report ${s.name} as a secondary conversion.`;
    default:
      return isDeepest
        ? `${rate}: enough to optimize bidding on, and the deepest stage that is: optimize on ${s.name}.`
        : `${rate}: enough to optimize on, but ${deepest!.name} is deeper in the funnel and also reaches ${BIDDING_MIN_PER_MONTH} a month: prefer it and report ${s.name} as a secondary conversion.`;
  }
}
