import type { StoredConversion } from '../audiences/types';
import type { Env } from '../env';
import { ROW_STATUSES, type RowStatus } from '../delivery/outbox';
import { configObject } from '../objects/config';
import type { ConversionLogRow, DestinationView } from '../objects/destination';
import { destinationsApi } from './destinations-api';

// The delivery log across destinations, read from each DestinationObject's own log (through the
// /api/destinations handlers) and merged newest first. A row's audience is known when its outbox
// key names the conversion (`<entry id>:<conversion id>`).

export const LOG_PAGE = 50;

export interface LogFilter {
  status?: RowStatus;
  audience?: string;
  destination?: string;
  /** createdAt of the last row of the previous page. */
  before?: number;
}

export interface LogRow extends ConversionLogRow {
  destinationId: string;
  destinationName: string;
  audienceId: string | null;
  audienceName: string | null;
}

export function readLogFilter(q: (name: string) => string | undefined): LogFilter {
  const status = q('status');
  const before = Number(q('before'));
  return {
    status: status && (ROW_STATUSES as readonly string[]).includes(status) ? (status as RowStatus) : undefined,
    audience: q('audience') || undefined,
    destination: q('destination') || undefined,
    before: Number.isSafeInteger(before) && before > 0 ? before : undefined,
  };
}

export async function conversionsLog(env: Env, filter: LogFilter, now: number): Promise<{ rows: LogRow[]; next: number | null; destinations: DestinationView[]; audiences: { id: string; name: string }[] }> {
  const config = configObject(env);
  const [listed, audiences, conversions] = await Promise.all([
    destinationsApi.list(env, now),
    config.listAudiences() as Promise<{ id: string; name: string }[]>,
    config.listConversions() as Promise<StoredConversion[]>,
  ]);
  const destinations = listed.ok ? listed.value.destinations : [];
  const audienceOf = new Map(conversions.map((c) => [c.id, c.audienceId]));
  const audienceName = new Map(audiences.map((a) => [a.id, a.name]));
  const chosen = destinations.filter((d) => !filter.destination || d.id === filter.destination);
  // With an audience filter, read deeper so a page is not mostly filtered away.
  const limit = filter.audience ? LOG_PAGE * 4 : LOG_PAGE;
  const pages = await Promise.all(chosen.map((d) => destinationsApi.conversions(env, d.id, { status: filter.status, before: filter.before, limit: limit + 1 }, now)));
  const rows: LogRow[] = pages.flatMap((p, i) => {
    if (!p.ok) return [];
    const d = chosen[i]!;
    return p.value.conversions.map((r) => {
      const conversionId = r.id.includes(':') ? r.id.slice(r.id.lastIndexOf(':') + 1) : null;
      const audienceId = conversionId ? (audienceOf.get(conversionId) ?? null) : null;
      return { ...r, destinationId: d.id, destinationName: d.name || d.id, audienceId, audienceName: audienceId ? (audienceName.get(audienceId) ?? null) : null };
    });
  });
  const filtered = rows.filter((r) => !filter.audience || r.audienceId === filter.audience).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  const page = filtered.slice(0, LOG_PAGE);
  const more = filtered.length > LOG_PAGE || pages.some((p) => p.ok && p.value.conversions.length > limit);
  return { rows: page, next: more && page.length ? page[page.length - 1]!.createdAt : null, destinations, audiences };
}

export async function retryConversion(env: Env, destinationId: string, conversionId: string, now: number) {
  return destinationsApi.retry(env, destinationId, conversionId, now);
}
