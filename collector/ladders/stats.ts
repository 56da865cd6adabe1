// A ladder's figures: per stage, conversions per week of their event time over the last N weeks from
// each destination's delivery log (the outbox rows the overview's chart counts), the value sums, and
// the rarity advice.
import type { Env } from '../env';
import type { StoredLadder } from '../objects/config-ladders';
import type { StoredConversion } from '../audiences/types';
import { ladderAdvice, monthlyRate, verdictOf, type Verdict } from '../../shared/ladder-stats';
import { configObject, destinationById } from '../objects/doors';

export const WEEK_MS = 7 * 86_400_000;
export const DEFAULT_WEEKS = 12;
export const MAX_WEEKS = 26;

export interface DestinationSeries {
  destinationId: string;
  name: string;
  weekly: number[];
  monthly: number | null;
  verdict: Verdict;
  /** Value sums per currency over the N weeks (rows that carried a value). */
  values: { currency: string | null; sum: number; conversions: number }[];
  /** Conversions of the N weeks withdrawn by a retraction: left out of `weekly` and `values`. */
  retracted: number;
}

export interface StageStats {
  key: string;
  name: string;
  audienceId: string;
  audience: { name: string; members: number; timestampField: string; withinDays: number } | null;
  conversions: StoredConversion[];
  /** Per week, the most any one destination received (each platform gets its own copy of an entry). */
  weekly: number[];
  weeksMeasured: number;
  monthly: number | null;
  verdict: Verdict;
  hint: string;
  destinations: DestinationSeries[];
}

export interface LadderStats {
  ladder: StoredLadder;
  /** Start of each week (epoch ms), oldest first; the last week ends at `now`. */
  weeks: number[];
  stages: StageStats[];
  optimizeOn: string | null;
}

export async function ladderStats(
  env: Env,
  ladder: StoredLadder,
  now: number,
  weeks = DEFAULT_WEEKS,
): Promise<LadderStats> {
  const config = configObject(env);
  const since = now - weeks * WEEK_MS;
  const ids = ladder.stages.map((s) => s.audienceId);
  const [audiences, conversions, members, destinations] = await Promise.all([
    Promise.all(ids.map((id) => config.getAudience(id))),
    Promise.all(ids.map((id) => config.listConversions(id))),
    Promise.all(ids.map((id) => config.countMembers(id))),
    config.listDestinations({ includeDeleted: true }),
  ]);
  const used = [...new Set(conversions.flat().map((c) => c.destinationId))];
  const rows = await Promise.all(used.map((d) => destinationById(env, d).weeklyAudienceCounts(since, ids)));
  const names = new Map(destinations.map((d) => [d.id, d.name || d.id]));

  const stages = ladder.stages.map((s, i) => {
    const cvs = conversions[i]!;
    const firstOn = cvs.length ? Math.min(...cvs.map((c) => c.enabledAt)) : null;
    const weeksSinceOn = firstOn === null ? 0 : Math.min(weeks, Math.max(1, Math.ceil((now - firstOn) / WEEK_MS)));
    const series: DestinationSeries[] = [...new Set(cvs.map((c) => c.destinationId))]
      .map((d) => {
        const weekly = Array<number>(weeks).fill(0);
        let retracted = 0;
        const values = new Map<string | null, { currency: string | null; sum: number; conversions: number }>();
        for (const r of rows[used.indexOf(d)]!) {
          if (r.audienceId !== s.audienceId || r.week < 0 || r.week >= weeks) continue;
          weekly[r.week]! += r.n;
          retracted += r.retracted;
          if (r.valued > 0) {
            const v = values.get(r.currency) ?? { currency: r.currency, sum: 0, conversions: 0 };
            v.sum += r.value;
            v.conversions += r.valued;
            values.set(r.currency, v);
          }
        }
        return {
          destinationId: d,
          name: names.get(d) ?? d,
          weekly,
          monthly: null as number | null,
          verdict: 'no_data' as Verdict,
          values: [...values.values()],
          retracted,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.destinationId.localeCompare(b.destinationId));
    const weekly = Array.from({ length: weeks }, (_, w) => Math.max(0, ...series.map((x) => x.weekly[w]!)));
    // Entries sent on turn-on land in the weeks they happened: measure from the first of those too.
    const firstWeek = weekly.findIndex((n) => n > 0);
    const weeksMeasured = firstOn === null ? 0 : Math.max(weeksSinceOn, firstWeek < 0 ? 0 : weeks - firstWeek);
    for (const x of series) {
      x.monthly = monthlyRate(x.weekly, weeksMeasured);
      x.verdict = verdictOf(x.monthly);
    }
    const a = audiences[i];
    return {
      key: s.key,
      name: s.name,
      audienceId: s.audienceId,
      audience: a
        ? { name: a.name, members: members[i]!, timestampField: a.timestamp.field, withinDays: a.timestamp.withinDays }
        : null,
      conversions: cvs,
      weekly,
      weeksMeasured,
      destinations: series,
    };
  });
  const advice = ladderAdvice(
    stages.map(({ key, name, weekly, weeksMeasured }) => ({ key, name, weekly, weeksMeasured })),
  );
  return {
    ladder,
    weeks: Array.from({ length: weeks }, (_, w) => since + w * WEEK_MS),
    stages: stages.map((s, i) => ({
      ...s,
      monthly: advice.stages[i]!.monthly,
      verdict: advice.stages[i]!.verdict,
      hint: advice.stages[i]!.hint,
    })),
    optimizeOn: advice.optimizeOn,
  };
}
