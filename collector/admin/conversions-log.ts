import { listConversions, validateQuery, type ConversionLogEntry, type ConversionQuery } from '../conversions/log';
import type { RowStatus } from '../delivery/outbox';
import type { Env } from '../env';
import type { DestinationRef } from '../objects/config-destinations';
import { configObject } from '../objects/doors';

// The admin's conversions page reads the same delivery log as GET /api/conversions
// (collector/conversions/log.ts), with the names the filters need.

export interface LogPage {
  rows: ConversionLogEntry[];
  cursor: string | null;
  /** A filter the log refused (shown inline; the page then shows the log unfiltered). */
  error: string | null;
  query: ConversionQuery;
  destinations: DestinationRef[];
  audiences: { id: string; name: string }[];
}

export function readLogQuery(q: (name: string) => string | undefined): ConversionQuery {
  return {
    status: (q('status') || undefined) as RowStatus | undefined,
    audience: q('audience') || undefined,
    destination: q('destination') || undefined,
    cursor: q('cursor') || undefined,
  };
}

export async function conversionsPage(env: Env, query: ConversionQuery): Promise<LogPage> {
  const config = configObject(env);
  const valid = validateQuery(query);
  const used = valid.ok ? query : {};
  const [out, destinations, audiences] = await Promise.all([
    listConversions(env, used),
    config.listDestinations({ includeDeleted: true }) as Promise<DestinationRef[]>,
    config.listAudiences() as Promise<{ id: string; name: string }[]>,
  ]);
  return {
    rows: out.ok ? out.value.conversions : [],
    cursor: out.ok ? out.value.cursor : null,
    error: !valid.ok ? valid.message : out.ok ? null : out.message,
    query: used,
    destinations,
    audiences,
  };
}
