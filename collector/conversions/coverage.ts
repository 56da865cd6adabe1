// Match coverage per destination over recent weeks (GET /api/coverage and the admin overview): each
// live destination's weekly counters (one small read per destination, see sql-outbox-store.ts
// countCoverage), turned into shares, the mean score and the missing key that would lift it most.
import type { Env } from '../env';
import { configObject } from '../objects/doors';
import { destinationById as destinationObject } from '../objects/doors';
import { coverageReport, weekOf, type DestinationCoverage } from '../delivery/coverage-report';
import type { DestinationType } from '../../shared/schemas/destinations';

export const COVERAGE_WEEKS = 8;
export const COVERAGE_WEEKS_MAX = 52;

export interface CoverageOverview {
  weeks: number;
  destinations: ({
    id: string;
    name: string;
    type: DestinationType;
    scheme: 'meta_emq' | 'ours';
  } & DestinationCoverage)[];
}

export async function coverageOverview(env: Env, weeks: number, now: number): Promise<CoverageOverview> {
  const refs = await configObject(env).listDestinations();
  const from = weekOf(now) - weeks + 1;
  const destinations = await Promise.all(
    refs.map(async (ref) => {
      const counters = await destinationObject(env, ref.id).coverageWeeks(from);
      return {
        id: ref.id,
        name: ref.name || ref.id,
        type: ref.type,
        scheme: ref.type === 'meta' ? ('meta_emq' as const) : ('ours' as const),
        ...coverageReport(ref.type, counters, weeks, now),
      };
    }),
  );
  return { weeks, destinations };
}
