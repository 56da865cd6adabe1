// The delivery log across destinations: GET /api/conversions, one conversion, its retry, and a
// person's conversions. Each DestinationObject keeps its own rows with indexes on (status |
// audience | person, created_at, id); a page asks every destination in scope for its next `limit`
// rows after the cursor and merges them. The destinations list is short and bounded
// (MAX_DESTINATIONS), so a page costs at most that many indexed reads, and no second index has to
// be kept in step with every status change of every row (10,000 rows a flush would mean 10,000
// index writes more). The admin calls these functions directly.
import type { Env } from '../env';
import { personKey } from '../identity';
import type { DestinationRef } from '../objects/config-destinations';
import { DESTINATION_ID } from '../objects/destination-types';
import type { DeliveryLogRow } from '../objects/destination-log';
import { matchKeys, type MatchKey } from '../delivery/match-keys';
import { ROW_STATUSES, type RowStatus } from '../delivery/outbox';
import { configObject, destinationById } from '../objects/doors';

export const LOG_PAGE = 50;
export const LOG_PAGE_MAX = 200;

export interface ConversionQuery {
  status?: RowStatus;
  /** Audience id. */
  audience?: string;
  /** Destination id. */
  destination?: string;
  /** The person's email (any case); matched through their person key. */
  email?: string;
  /** From the previous page's `cursor`. */
  cursor?: string;
  /** 1..200, default 50. */
  limit?: number;
}

export interface ConversionLogEntry extends Omit<DeliveryLogRow, 'key'> {
  /** The match keys the event carries (delivery/match-keys.ts). */
  matchKeys: MatchKey[];
  /** `<destinationId>:<key>`: what GET /api/conversions/{id} and its retry take. */
  id: string;
  /** The row's key in its destination's outbox (the entry id, or `<entry id>:<variant>`). */
  key: string;
  destinationId: string;
  destinationType: DestinationRef['type'] | null;
  destinationName: string | null;
}

export type LogResult<T> =
  { ok: true; value: T } | { ok: false; status: 400 | 404 | 409; code: string; message: string };

type Cursor = { at: number; d: string; k: string };

function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify([c.at, c.d, c.k]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function decodeCursor(s: string): Cursor | null {
  try {
    const v = JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string'
    )
      return { at: v[0], d: v[1], k: v[2] };
  } catch {
    // fall through
  }
  return null;
}

/** Splits `<destinationId>:<key>`; null when it is not one this API returned. */
export function parseConversionId(id: string): { destinationId: string; key: string } | null {
  const i = id.indexOf(':');
  if (i < 0) return null;
  const destinationId = id.slice(0, i);
  const key = id.slice(i + 1);
  return DESTINATION_ID.test(destinationId) && /^[0-9a-zA-Z_:.-]{1,200}$/.test(key) ? { destinationId, key } : null;
}

function entry(
  row: DeliveryLogRow,
  ref: { id: string; type?: DestinationRef['type']; name?: string } | undefined,
  destinationId: string,
): ConversionLogEntry {
  const { key, ...rest } = row;
  // The keys recorded when the row was built; rows built before coverage was recorded read them from their item.
  const keys = row.coverage?.keys ?? (ref?.type ? matchKeys(ref.type, row.event) : []);
  return {
    id: `${destinationId}:${key}`,
    key,
    destinationId,
    destinationType: ref?.type ?? null,
    destinationName: ref?.name ?? null,
    ...rest,
    matchKeys: keys,
  };
}

/** Newest first: createdAt, then destination id, then key, all descending (the cursor's order). */
function newerFirst(a: ConversionLogEntry, b: ConversionLogEntry): number {
  return (
    b.createdAt - a.createdAt ||
    (a.destinationId < b.destinationId ? 1 : a.destinationId > b.destinationId ? -1 : 0) ||
    (a.key < b.key ? 1 : a.key > b.key ? -1 : 0)
  );
}

/** Checks a query (e.g. from URL parameters) before it costs anything. */
export function validateQuery(q: ConversionQuery): LogResult<ConversionQuery> {
  const bad = (message: string): LogResult<ConversionQuery> => ({
    ok: false,
    status: 400,
    code: 'invalid_query',
    message,
  });
  if (q.status !== undefined && !(ROW_STATUSES as readonly string[]).includes(q.status))
    return bad(`status is one of ${ROW_STATUSES.join(', ')}`);
  if (q.destination !== undefined && !DESTINATION_ID.test(q.destination))
    return bad('destination is a destination id (dst_ and 16 hex digits)');
  if (q.audience !== undefined && (!q.audience || q.audience.length > 100)) return bad('audience is an audience id');
  if (q.email !== undefined && (!/^[^\s@]+@[^\s@]+$/.test(q.email.trim()) || q.email.length > 254))
    return bad('email is not an email address');
  if (q.cursor !== undefined && !decodeCursor(q.cursor)) return bad('cursor is not one this API returned');
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > LOG_PAGE_MAX))
    return bad(`limit is 1..${LOG_PAGE_MAX}`);
  return { ok: true, value: q };
}

/** GET /api/conversions: the delivery log, newest first, filtered, one page and the next cursor. */
export async function listConversions(
  env: Env,
  query: ConversionQuery,
): Promise<LogResult<{ conversions: ConversionLogEntry[]; cursor: string | null }>> {
  const valid = validateQuery(query);
  if (!valid.ok) return valid;
  const limit = query.limit ?? LOG_PAGE;
  const cursor = query.cursor ? decodeCursor(query.cursor)! : null;
  const refs = await configObject(env).listDestinations({ includeDeleted: true });
  const scope = query.destination ? refs.filter((r) => r.id === query.destination) : refs;
  const key = query.email ? await personKey(env, query.email) : undefined;
  const pages = await Promise.all(
    scope.map(async (ref) => {
      // Rows at the cursor's own time continue by key in its destination, come whole from
      // destinations that sort after it, and are already shown for those before it.
      const after = !cursor
        ? undefined
        : { createdAt: cursor.at, id: ref.id < cursor.d ? '\uffff' : ref.id > cursor.d ? '' : cursor.k };
      const rows = await destinationById(env, ref.id).log({
        status: query.status,
        audienceId: query.audience,
        personKey: key,
        after,
        limit: limit + 1,
      });
      return rows.map((r) => entry(r, ref, ref.id));
    }),
  );
  const merged = pages.flat().sort(newerFirst);
  const page = merged.slice(0, limit);
  const last = page.at(-1);
  return {
    ok: true,
    value: {
      conversions: page,
      cursor:
        merged.length > limit && last ? encodeCursor({ at: last.createdAt, d: last.destinationId, k: last.key }) : null,
    },
  };
}

/** GET /api/conversions/{id}: one conversion with the whole request body it travelled in. */
export async function getConversion(env: Env, id: string): Promise<LogResult<ConversionLogEntry>> {
  const parsed = parseConversionId(id);
  if (!parsed) return { ok: false, status: 404, code: 'not_found', message: 'no such conversion' };
  const [row, refs] = await Promise.all([
    destinationById(env, parsed.destinationId).logEntry(parsed.key),
    configObject(env).listDestinations({ includeDeleted: true }),
  ]);
  const ref = refs.find((r) => r.id === parsed.destinationId);
  if (!row || !ref) return { ok: false, status: 404, code: 'not_found', message: 'no such conversion' };
  return { ok: true, value: entry(row, ref, parsed.destinationId) };
}

/**
 * POST /api/conversions/{id}/retry: a failed or dead-lettered row goes back to its outbox with the
 * same id (the platform deduplicates if an earlier attempt did arrive); anything else is a 409.
 */
export async function retryConversion(env: Env, id: string): Promise<LogResult<ConversionLogEntry>> {
  const found = await getConversion(env, id);
  if (!found.ok) return found;
  const d = destinationById(env, found.value.destinationId);
  const r = await d.retry(found.value.key);
  if (!r.ok)
    return {
      ok: false,
      status: r.code === 'not_found' ? 404 : 409,
      code: r.code === 'not_found' ? 'not_found' : 'not_retryable',
      message: r.code === 'not_retryable' ? `${r.message} (this one is ${found.value.status})` : r.message,
    };
  return getConversion(env, id);
}

/**
 * A person's conversions as each destination's outbox holds them (the person view). Only the
 * destinations the person has rows for are asked.
 */
export async function conversionsOfPerson(
  env: Env,
  key: string,
  destinationIds: string[],
): Promise<ConversionLogEntry[]> {
  const ids = [...new Set(destinationIds)].filter((id) => DESTINATION_ID.test(id));
  if (!ids.length) return [];
  const refs = new Map((await configObject(env).listDestinations({ includeDeleted: true })).map((r) => [r.id, r]));
  const pages = await Promise.all(
    ids.map(async (id) =>
      (await destinationById(env, id).log({ personKey: key, limit: 500, includeBody: true })).map((r) =>
        entry(r, refs.get(id), id),
      ),
    ),
  );
  return pages.flat().sort(newerFirst);
}

/** Erasure: every destination forgets the person's identity and payloads; ids and statuses stay. */
export async function forgetPersonInLog(env: Env, key: string): Promise<number> {
  const refs = await configObject(env).listDestinations({ includeDeleted: true });
  const counts = await Promise.all(refs.map((r) => destinationById(env, r.id).forgetPerson(key)));
  return counts.reduce((a, b) => a + b, 0);
}
