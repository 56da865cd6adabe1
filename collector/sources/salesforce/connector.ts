// The Salesforce connector: one page of changes per call, across the Lead, Contact, Opportunity and
// OpportunityContactRole streams in turn, each read by SOQL in (SystemModstamp, Id) order so a
// run that stops anywhere resumes exactly; a large first backfill goes through Bulk API 2.0
// (bulk.ts).
// Pure fetch and JSON: runs in a Worker.
import { SourceError, type Connector, type FetchContext, type FieldIssue, type SourceRecord } from '../connector';
import { salesforceType, type CatalogueField } from '../catalogue';
import { dropField, readCursor, syncedFields, type SalesforceCursor } from './cursor';
import { BULK_MARGIN_MS, bulkPage, startBulk } from './bulk';
import { describe, invalidFieldOf, relationships, typeMap } from './fields';
import { SalesforceApiError, Session, type ApiUsage } from './session';
import { fieldsOf, salesforceSettings, type SalesforceSettings } from './settings';
import { soql, streamsFor, type Stream } from './streams';

const TYPES_TTL_MS = 24 * 3_600_000;
// A query reads at most this many batches before it is re-issued from the mark (locators expire).
const BATCHES_PER_QUERY = 10;

export interface SalesforceConnectorOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Waits between Bulk API job status checks within one page; after the last the run ends and resumes later. */
  bulkPollMs?: number[];
}

/** A page with the org's API usage as Salesforce announced it (Sforce-Limit-Info), for the run's status. */
export type SalesforcePage = Awaited<ReturnType<Connector['fetchPage']>> & { apiUsage?: ApiUsage };
type Page = SalesforcePage;
export type SalesforceConnector = Omit<Connector, 'fetchPage'> & {
  fetchPage(ctx: FetchContext): Promise<SalesforcePage>;
};

export function parseSettings(raw: Record<string, unknown>): SalesforceSettings {
  const r = salesforceSettings.safeParse(raw);
  if (!r.success)
    throw new SourceError(
      `Salesforce settings invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'config',
    );
  return r.data;
}

export function createSalesforceConnector(opts: SalesforceConnectorOptions = {}): SalesforceConnector {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = opts.bulkPollMs ?? [1000, 2000, 4000, 8000, 15_000];

  async function fetchPage(ctx: FetchContext): Promise<Page> {
    const settings = parseSettings(ctx.settings);
    const session = new Session(settings, ctx);
    try {
      return await readPage(ctx, settings, session);
    } catch (e) {
      // A refresh token rotated by this page's token request must be saved even though the page
      // failed: the one stored is already revoked.
      if (e instanceof SourceError && session.tokens) e.tokens = session.tokens;
      throw e;
    }
  }

  async function readPage(ctx: FetchContext, settings: SalesforceSettings, session: Session): Promise<Page> {
    const streams = streamsFor(settings);
    const state = readCursor(ctx.cursor) ?? initial(streams, ctx);
    for (const s of streams) state.marks[s.name] ??= { t: null, id: '' };
    const issues = new Map<string, string>();
    await ensureTypes(session, settings, state, issues, ctx.now());
    const stream = streams.find((s) => s.name === state.at) ?? streams[0]!;
    if (state.at !== stream.name) ((state.at = stream.name), delete state.next, delete state.got);

    const page =
      state.bulk?.stream === stream.name
        ? await bulkPage(session, settings, state, stream, issues, { pollMs, sleep })
        : await restPage(session, settings, state, stream, issues, ctx.now());
    // A bulk job still running ends the run; the next one resumes polling it.
    let done = page.wait;
    if (page.finished) {
      const i = streams.indexOf(stream);
      state.at = streams[(i + 1) % streams.length]!.name;
      (delete state.next, delete state.got);
      done = i === streams.length - 1;
      // Fields dropped for the run are reported once per pass, so the source keeps showing them.
      if (done)
        for (const [object, fs] of Object.entries(state.dropped))
          for (const [f, reason] of Object.entries(fs ?? {})) issues.set(`${object}.${f}`, reason);
    }
    const out: Page = {
      records: page.records,
      cursor: state as unknown as Record<string, unknown>,
      done,
      apiCalls: session.calls,
      issues: [...issues].map(([field, reason]): FieldIssue => ({ field, reason })),
    };
    if (session.tokens) out.tokens = session.tokens;
    if (session.newToken) out.accessToken = session.newToken;
    if (session.usage) out.apiUsage = session.usage;
    return out;
  }

  function initial(streams: Stream[], ctx: FetchContext): SalesforceCursor {
    const state: SalesforceCursor = { v: 1, at: streams[0]!.name, marks: {}, fresh: [], dropped: {} };
    for (const s of streams) {
      // Opportunities and their people arrive in the backfill through their contact roles; the
      // Opportunity stream only needs the changes from now on.
      if (s.name === 'Opportunity')
        state.marks[s.name] = { t: new Date(ctx.now() - BULK_MARGIN_MS).toISOString(), id: '' };
      else ((state.marks[s.name] = { t: ctx.since, id: '' }), state.fresh.push(s.name));
    }
    return state;
  }

  async function ensureTypes(
    session: Session,
    settings: SalesforceSettings,
    state: SalesforceCursor,
    issues: Map<string, string>,
    now: number,
  ): Promise<void> {
    // Described again daily, and at once when the settings name a field not described yet.
    const have = settings.objects.every((o) => {
      const types = state.types?.[o];
      return (
        types && fieldsOf(settings, o).every((f) => f.includes('.') || f in types || f in (state.dropped[o] ?? {}))
      );
    });
    if (have && now - (state.typesAt ?? 0) < TYPES_TTL_MS) return;
    state.types = {};
    state.typesAt = now;
    state.dropped = {};
    for (const object of settings.objects) {
      const described = await describe(session, object);
      const types = typeMap(described);
      const rels = relationships(described);
      // Only the synced fields' types go into the cursor (an org's Lead may describe hundreds).
      const kept: Record<string, string> = {};
      for (const f of [...fieldsOf(settings, object), 'CurrencyIsoCode']) if (f in types) kept[f] = types[f]!;
      state.types[object] = kept;
      for (const f of fieldsOf(settings, object)) {
        const [head, ...rest] = f.split('.');
        if (rest.length ? !rels.has(head!) : !(head! in types))
          dropField(
            state,
            object,
            f,
            rest.length ? `relationship ${head} does not exist on ${object}` : `field does not exist on ${object}`,
            issues,
          );
      }
    }
  }

  async function restPage(
    session: Session,
    settings: SalesforceSettings,
    state: SalesforceCursor,
    stream: Stream,
    issues: Map<string, string>,
    now: number,
  ) {
    const object = stream.object;
    const mark = state.marks[stream.name]!;
    const fresh = state.fresh.includes(stream.name) && stream.name !== 'Opportunity';
    const limit = settings.pageSize * BATCHES_PER_QUERY;
    const opened = !state.next;
    let body:
      { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Record<string, unknown>[] } | undefined;
    let list = syncedFields(settings, state, object);
    for (let attempt = 0; !body; attempt++) {
      try {
        if (state.next)
          body = await session.json(state.next, {
            headers: { 'sforce-query-options': `batchSize=${settings.pageSize}` },
          });
        else {
          // A first pass is not limited: its totalSize tells whether Bulk API 2.0 should take over.
          const q = soql(stream, list, mark, { limit: fresh ? undefined : limit });
          body = await session.json(`/query?q=${encodeURIComponent(q)}`, {
            headers: { 'sforce-query-options': `batchSize=${settings.pageSize}` },
          });
          state.got = 0;
        }
      } catch (e) {
        if (!(e instanceof SalesforceApiError)) throw e;
        if (e.errorCode === 'INVALID_QUERY_LOCATOR' && state.next) {
          delete state.next; // expired: the mark is exact, so the query starts again from it
          continue;
        }
        const field =
          e.errorCode === 'INVALID_FIELD' && attempt < 20 ? invalidFieldOf(e.message, list, object) : undefined;
        if (!field)
          throw new SourceError(
            `Salesforce refused the ${stream.sobject} query`,
            'config',
            undefined,
            `${e.errorCode}: ${e.message}`,
          );
        dropField(state, object, field, e.message.split('\n').filter(Boolean).at(-1) ?? 'INVALID_FIELD', issues);
        delete state.next;
        list = syncedFields(settings, state, object);
      }
    }
    if (stream.subquery) await readChildren(session, body.records, settings.pageSize);
    const types = state.types?.[object] ?? {};
    const records: SourceRecord[] = [];
    for (const row of body.records) records.push(...stream.toRecords(row, list, types, issues));
    const last = body.records.at(-1);
    if (last) state.marks[stream.name] = { t: isoStamp(last.SystemModstamp), id: String(last.Id) };
    state.got = (state.got ?? 0) + body.records.length;
    if (body.nextRecordsUrl) {
      state.next = body.nextRecordsUrl;
      if (fresh && opened && body.totalSize > settings.bulkThreshold) {
        await startBulk(session, state, stream, list, now);
        delete state.next;
      }
      return { records, finished: false, wait: false };
    }
    delete state.next;
    const more = !fresh && state.got >= limit;
    if (!more) state.fresh = state.fresh.filter((n) => n !== stream.name);
    return { records, finished: !more, wait: false };
  }

  /** An opportunity with more contact roles than one subquery batch: the rest through their own locator. */
  async function readChildren(session: Session, rows: Record<string, unknown>[], pageSize: number): Promise<void> {
    for (const row of rows) {
      const set = row.OpportunityContactRoles as { done?: boolean; nextRecordsUrl?: string; records: unknown[] } | null;
      for (let next = set?.done === false ? set.nextRecordsUrl : undefined; next && set;) {
        const more = await session.json<{ nextRecordsUrl?: string; records: unknown[] }>(next, {
          headers: { 'sforce-query-options': `batchSize=${pageSize}` },
        });
        set.records.push(...more.records);
        next = more.nextRecordsUrl;
      }
    }
  }

  async function listFields(ctx: FetchContext) {
    const settings = parseSettings(ctx.settings);
    const session = new Session(settings, ctx);
    const out: { name: string; label: string; type: string }[] = [];
    for (const object of settings.objects) {
      for (const f of await describe(session, object)) {
        const type = kind(f.type);
        if (type) out.push({ name: `${object}.${f.name}`, label: `${object}: ${f.label}`, type });
      }
    }
    return out;
  }

  /** The configured fields of each synced object as streams.ts names them (`Lead.Status`); Email is the identity, not an attribute. */
  async function catalogue(ctx: FetchContext) {
    const settings = parseSettings(ctx.settings);
    const session = new Session(settings, ctx);
    const out: CatalogueField[] = [];
    for (const object of settings.objects) {
      const described = new Map((await describe(session, object)).map((f) => [f.name, f]));
      for (const name of fieldsOf(settings, object)) {
        if (name === 'Email' && object !== 'Opportunity') continue;
        const f = described.get(name);
        // A parent field (Account.Name) is not in the object's describe; a missing field is skipped by the sync.
        if (!f && !name.includes('.')) continue;
        const type = f ? salesforceType(f.type) : 'string';
        if (!type) continue;
        const field: CatalogueField = { name: `${object}.${name}`, label: `${object}: ${f?.label ?? name}`, type };
        const options = (f?.picklistValues ?? [])
          .filter((o) => o.active !== false)
          .map((o) => ({ value: o.value, label: o.label || o.value }));
        if (type === 'enumeration' && options.length) field.options = options;
        out.push(field);
      }
    }
    return out;
  }

  return { type: 'salesforce', fetchPage, listFields, catalogue };
}

function isoStamp(v: unknown): string {
  return typeof v === 'string'
    ? new Date(Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).toISOString()
    : new Date(0).toISOString();
}

/** Salesforce field types as the audience builder's: dates and datetimes are both instants. */
function kind(type: string): string | null {
  if (type === 'date' || type === 'datetime') return 'date';
  if (type === 'boolean') return 'boolean';
  if (['int', 'double', 'currency', 'percent', 'long'].includes(type)) return 'number';
  if (['address', 'location', 'base64', 'anyType', 'complexvalue'].includes(type)) return null;
  return 'string';
}

export const salesforceConnector = createSalesforceConnector() satisfies Connector;
