// Contacts through the CRM search API, keyset-paged so nothing loops and nothing is skipped:
// - `range`: lastmodifieddate >= t, ascending, skipping the ids already applied at t (`seen`). Records
//   sharing one time come back in an order HubSpot does not define, but all of them come before any
//   later record: a page that reaches past t holds all of t's, so the next page starts at its last
//   time with those ids as `seen`.
// - `tie`: when a whole page shares one time (an import, a bulk edit), lastmodifieddate = t and
//   hs_object_id > id, ascending by id, until drained; then `range` again after t.
// Every query restarts from the cursor instead of following `after`: offsets shift when records
// change mid-paging (a record modified meanwhile moves to the end, and the one after it would be
// skipped), and a restarted query never reaches the 10,000-results cap of one search.
import { SourceError, type FetchContext, type FieldIssue, type SourceRecord } from '../connector';
import { call, type Token } from './http';
import { convert, hubspotTime, type PropertyTypes } from './values';

export const PAGE_SIZE = 200;

export interface ContactsCursor {
  phase: 'range' | 'tie';
  /** Epoch ms of lastmodifieddate; null: from the beginning. */
  t: number | null;
  /** In `tie`: the last hs_object_id applied at t. */
  id: string | null;
  /** Ids already applied at t (at most a page). */
  seen?: string[];
}

type SearchResult = {
  results: { id: string; properties: Record<string, string | null>; updatedAt?: string }[];
  paging?: { next?: { after: string } };
  total?: number;
};

export function initialCursor(since: string | null): ContactsCursor {
  return { phase: 'range', t: since ? Date.parse(since) - 1 : null, id: null };
}

/** A CRM object searched by its modification time: contacts (`lastmodifieddate`) or deals (`hs_lastmodifieddate`). */
export interface SearchedObject {
  path: 'contacts' | 'deals';
  modified: string;
}
export const CONTACTS: SearchedObject = { path: 'contacts', modified: 'lastmodifieddate' };
export const DEALS: SearchedObject = { path: 'deals', modified: 'hs_lastmodifieddate' };

function query(c: ContactsCursor, properties: string[], o: SearchedObject) {
  const filters =
    c.phase === 'tie'
      ? [
          { propertyName: o.modified, operator: 'EQ', value: String(c.t) },
          { propertyName: 'hs_object_id', operator: 'GT', value: c.id ?? '0' },
        ]
      : c.t === null
        ? []
        : [{ propertyName: o.modified, operator: c.seen?.length ? 'GTE' : 'GT', value: String(c.t) }];
  return {
    filterGroups: filters.length ? [{ filters }] : [],
    sorts: [{ propertyName: c.phase === 'tie' ? 'hs_object_id' : o.modified, direction: 'ASCENDING' }],
    properties: [...new Set([...properties, ...(o.path === 'contacts' ? ['email'] : []), o.modified, 'hs_object_id'])],
    limit: PAGE_SIZE,
  };
}

/** A search result as a SourceRecord: requested properties converted, mistyped values reported. */
export function toRecord(
  r: SearchResult['results'][number],
  properties: string[],
  types: PropertyTypes,
  issues: FieldIssue[],
  modified = 'lastmodifieddate',
): SourceRecord & { ms: number } {
  const ms = hubspotTime(r.properties[modified]) ?? hubspotTime(r.updatedAt) ?? 0;
  const attributes: Record<string, unknown> = {};
  for (const p of properties) {
    if (!(p in r.properties)) continue;
    const out = convert(types[p], r.properties[p]);
    if ('reason' in out) {
      if (!issues.some((i) => i.field === p)) issues.push({ field: p, reason: out.reason });
    } else attributes[p] = out.value;
  }
  return { id: r.id, email: r.properties.email ?? '', modifiedAt: new Date(ms).toISOString(), attributes, ms };
}

export async function contactsPage(
  ctx: FetchContext,
  token: Token,
  cursor: ContactsCursor,
  properties: string[],
  types: PropertyTypes,
  o: SearchedObject = CONTACTS,
): Promise<{ records: SourceRecord[]; cursor: ContactsCursor; done: boolean; issues: FieldIssue[] }> {
  const body = await call<SearchResult>(
    ctx,
    token,
    'POST',
    `/crm/v3/objects/${o.path}/search`,
    `${o.path} search`,
    query(cursor, properties, o),
  );
  if (!Array.isArray(body?.results)) throw new SourceError('HubSpot search answered without results', 'transient');
  const issues: FieldIssue[] = [];
  const recs = body.results.map((r) => toRecord(r, properties, types, issues, o.modified));
  const full = recs.length >= PAGE_SIZE && !!body.paging?.next;
  const strip = (r: SourceRecord & { ms: number }): SourceRecord => ({
    id: r.id,
    email: r.email,
    modifiedAt: r.modifiedAt,
    attributes: r.attributes,
  });
  const seen = new Set(cursor.seen ?? []);
  const fresh = recs.filter((r) => !(r.ms === cursor.t && seen.has(r.id))).map(strip);
  if (cursor.phase === 'tie') {
    const last = recs.at(-1);
    if (full)
      return {
        records: fresh,
        cursor: { phase: 'tie', t: cursor.t, id: last!.id, seen: cursor.seen },
        done: false,
        issues,
      };
    // Drained this instant: on to the range after it (done only once that range is empty).
    return { records: fresh, cursor: { phase: 'range', t: cursor.t, id: null }, done: false, issues };
  }
  if (!recs.length) return { records: [], cursor, done: true, issues };
  const lastMs = recs.at(-1)!.ms;
  // A whole page at one instant: drain it in id order (what was applied at it stays skipped).
  if (full && recs[0]!.ms === lastMs)
    return {
      records: [],
      cursor: { phase: 'tie', t: lastMs, id: null, seen: lastMs === cursor.t ? cursor.seen : [] },
      done: false,
      issues,
    };
  const atLast = recs.filter((r) => r.ms === lastMs).map((r) => r.id);
  const carried = lastMs === cursor.t ? [...seen] : [];
  return {
    records: fresh,
    cursor: { phase: 'range', t: lastMs, id: null, seen: [...new Set([...carried, ...atLast])] },
    done: !full,
    issues,
  };
}

/** Named contacts (a webhook's), read by id in batches of 100, as SourceRecords. */
export async function contactsById(
  ctx: FetchContext,
  token: Token,
  ids: string[],
  properties: string[],
  types: PropertyTypes,
): Promise<{ records: SourceRecord[]; issues: FieldIssue[]; apiCalls: number }> {
  const issues: FieldIssue[] = [];
  const records: SourceRecord[] = [];
  let apiCalls = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const body = await call<SearchResult>(
      ctx,
      token,
      'POST',
      '/crm/v3/objects/contacts/batch/read',
      'contacts batch read',
      {
        inputs: ids.slice(i, i + 100).map((id) => ({ id })),
        properties: [...new Set([...properties, 'email', 'lastmodifieddate'])],
      },
    );
    apiCalls++;
    for (const r of body.results ?? []) {
      const { ms: _ms, ...rec } = toRecord(r, properties, types, issues);
      records.push(rec);
    }
  }
  return { records, issues, apiCalls };
}
