import { DIRECTORY_SHARDS } from '../directory';
import type { Env } from '../env';
import type { DirectoryStats } from '../objects/directory';
import { type DestinationView } from '../objects/destination-types';
import { isTouchKind, platformOf } from '../../shared/click-ids';
import { destinationsApi } from './destinations-api';
import { destinationById, directoryShard } from '../objects/doors';

// What the overview shows: counts summed over the directory shards and the destinations, and
// conversions per UTC day per destination over the last 30 days.

export const DAY_MS = 86_400_000;
export const CHART_DAYS = 30;

export interface Overview {
  people: number;
  newThisWeek: number;
  identifiedThisWeek: number;
  /** Stored click IDs per platform (google, meta, ...), with the kinds that make them up. */
  clicks: { platform: string; total: number; kinds: Record<string, number> }[];
  /** Conversion rows per status over every destination. */
  conversions: Record<string, number>;
  /** One series per destination: counts for each of the CHART_DAYS days ending today (UTC). */
  chart: { days: number[]; series: { id: string; name: string; counts: number[] }[] };
  destinationsError: string | null;
}

export async function overview(env: Env, now: number): Promise<Overview> {
  const weekAgo = now - 7 * DAY_MS;
  const today = Math.floor(now / DAY_MS);
  const days = Array.from({ length: CHART_DAYS }, (_, i) => today - CHART_DAYS + 1 + i);
  const [shards, listed] = await Promise.all([
    Promise.all(
      Array.from(
        { length: DIRECTORY_SHARDS },
        (_, i) => directoryShard(env, i).stats(weekAgo) as Promise<DirectoryStats>,
      ),
    ),
    destinationsApi.list(env, now),
  ]);
  const destinations: DestinationView[] = listed.ok ? listed.value.destinations : [];
  const daily = await Promise.all(destinations.map((d) => destinationById(env, d.id).dailyCounts(days[0]! * DAY_MS)));

  const byPlatform = new Map<string, { total: number; kinds: Record<string, number> }>();
  for (const s of shards) {
    for (const [kind, n] of Object.entries(s.clicks)) {
      const platform = isTouchKind(kind) ? platformOf(kind) : 'other';
      const p = byPlatform.get(platform) ?? { total: 0, kinds: {} };
      p.total += n;
      p.kinds[kind] = (p.kinds[kind] ?? 0) + n;
      byPlatform.set(platform, p);
    }
  }
  const conversions: Record<string, number> = {};
  for (const d of destinations)
    for (const [status, n] of Object.entries(d.counts)) conversions[status] = (conversions[status] ?? 0) + n;

  return {
    people: shards.reduce((a, s) => a + s.people, 0),
    newThisWeek: shards.reduce((a, s) => a + s.newSince, 0),
    identifiedThisWeek: shards.reduce((a, s) => a + s.identifiedSince, 0),
    clicks: [...byPlatform].map(([platform, v]) => ({ platform, ...v })).sort((a, b) => b.total - a.total),
    conversions,
    chart: {
      days,
      series: destinations.map((d, i) => {
        const per = new Map(daily[i]!.map((r) => [r.day, r.n]));
        return { id: d.id, name: d.name || d.id, counts: days.map((day) => per.get(day) ?? 0) };
      }),
    },
    destinationsError: listed.ok ? null : listed.message,
  };
}
