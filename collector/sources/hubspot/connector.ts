// The HubSpot connector: contacts (and their properties) through the CRM search API, with the
// property list read once an hour to drop properties that no longer exist (reported) and to know
// each property's type (dates stored as ISO instants in UTC).
import { SourceError, type Connector, type FetchContext, type FieldIssue, type PageResult } from '../connector';
import { HUBSPOT_DEFAULT_PROPERTIES } from '../../../shared/schemas/sources';
import { bearer, call, type Token } from './http';
import { contactsById, contactsPage, initialCursor, type ContactsCursor } from './contacts';
import { DEAL_PROPERTIES, dealsPage } from './deals';
import { hubspotType, type CatalogueField } from '../catalogue';
import { looksLikeDate, type PropertyTypes } from './values';

const PROPERTIES_TTL_MS = 3_600_000;

type PropertyList = {
  results: {
    name: string;
    label: string;
    type: string;
    fieldType?: string;
    options?: { label?: string; value?: string; hidden?: boolean }[];
  }[];
};

type Cursor = {
  contacts: ContactsCursor;
  deals?: ContactsCursor;
  /** Within one run: contacts first, then deals (when synced). */
  stage?: 'contacts' | 'deals';
  /** Requested properties that exist, with their types; re-read every PROPERTIES_TTL_MS. */
  types?: PropertyTypes;
  typesAt?: number;
};

async function properties(
  ctx: FetchContext,
  token: Token,
  object: 'contacts' | 'deals' = 'contacts',
): Promise<PropertyList['results']> {
  const what = object === 'contacts' ? 'contact properties' : 'deal properties';
  const body = await call<PropertyList>(ctx, token, 'GET', `/crm/v3/properties/${object}`, what);
  return Array.isArray(body?.results) ? body.results : [];
}

/** A property as the audience builder lists it (visible options only: hidden ones cannot be chosen in HubSpot). */
function catalogued(name: string, p: PropertyList['results'][number] | undefined, type: string): CatalogueField {
  const options = (p?.options ?? [])
    .filter((o) => typeof o.value === 'string' && !o.hidden)
    .map((o) => ({ value: o.value!, label: o.label || o.value! }));
  const out: CatalogueField = { name, label: p?.label || name, type: hubspotType(type) };
  if (out.type === 'enumeration' && options.length) out.options = options;
  return out;
}

/** The requested properties HubSpot has, with their types; the others reported (missing, renamed, mistyped). */
export function checkProperties(
  requested: string[],
  list: PropertyList['results'],
): { types: PropertyTypes; issues: FieldIssue[] } {
  const byName = new Map(list.map((p) => [p.name, p]));
  const types: PropertyTypes = {};
  const issues: FieldIssue[] = [];
  for (const name of requested) {
    const p = byName.get(name);
    if (!p) issues.push({ field: name, reason: 'no such contact property in HubSpot (deleted or renamed?): skipped' });
    else if (looksLikeDate(name) && p.type !== 'datetime' && p.type !== 'date')
      issues.push({ field: name, reason: `expected a date, HubSpot says ${p.type}: skipped` });
    else types[name] = p.type;
  }
  return { types, issues };
}

export const hubspotConnector: Connector = {
  type: 'hubspot',
  async fetchPage(ctx) {
    try {
      return await fetchPage(ctx);
    } catch (e) {
      // A cached OAuth access token can be revoked or expire early: one fresh token before the
      // source is stopped for refused credentials.
      if (
        e instanceof SourceError &&
        e.kind === 'credentials' &&
        ctx.accessToken &&
        typeof ctx.settings.accessToken !== 'string'
      )
        return fetchPage({ ...ctx, accessToken: undefined });
      throw e;
    }
  },
  async listFields(ctx) {
    const auth = await bearer(ctx);
    return (await properties(ctx, auth.token)).map((p) => ({ name: p.name, label: p.label, type: p.type }));
  },
  async catalogue(ctx) {
    // Exactly what a sync writes: the requested properties HubSpot has (checkProperties), and the
    // deal properties under `deal.` when deals are synced (deals.ts).
    const auth = await bearer(ctx);
    const requested = (ctx.settings.properties as string[] | undefined) ?? HUBSPOT_DEFAULT_PROPERTIES;
    const list = await properties(ctx, auth.token);
    const byName = new Map(list.map((p) => [p.name, p]));
    const out = Object.entries(checkProperties(requested, list).types).map(([name, type]) =>
      catalogued(name, byName.get(name), type),
    );
    if (((ctx.settings.objects as string[] | undefined) ?? ['contacts']).includes('deals')) {
      const deals = new Map((await properties(ctx, auth.token, 'deals')).map((p) => [p.name, p]));
      for (const [name, type] of Object.entries(DEAL_PROPERTIES))
        out.push(catalogued(`deal.${name}`, deals.get(name), type));
      out.push({ name: 'deal.id', label: 'Deal ID', type: 'string' });
    }
    return out;
  },
};

async function fetchPage(ctx: FetchContext): Promise<PageResult & { accessToken?: Token }> {
  {
    const auth = await bearer(ctx);
    let apiCalls = auth.calls;
    const prev = (ctx.cursor ?? {}) as Partial<Cursor>;
    const requested = (ctx.settings.properties as string[] | undefined) ?? HUBSPOT_DEFAULT_PROPERTIES;
    let types = prev.types;
    let typesAt = prev.typesAt;
    const issues: FieldIssue[] = [];
    if (!types || !typesAt || ctx.now() - typesAt > PROPERTIES_TTL_MS) {
      const checked = checkProperties(requested, await properties(ctx, auth.token));
      apiCalls++;
      types = checked.types;
      typesAt = ctx.now();
      issues.push(...checked.issues);
    }
    const contacts = prev.contacts ?? initialCursor(ctx.since);
    const withDeals = ((ctx.settings.objects as string[] | undefined) ?? ['contacts']).includes('deals');
    const deals = prev.deals ?? initialCursor(ctx.since);
    let next: Cursor;
    let page: { records: PageResult['records']; done: boolean; issues: FieldIssue[] };
    if (withDeals && prev.stage === 'deals') {
      const d = await dealsPage(ctx, auth.token, deals);
      apiCalls += d.apiCalls;
      page = d;
      // Deals caught up: the next run starts with contacts again.
      next = { contacts, deals: d.cursor, types, typesAt, stage: d.done ? 'contacts' : 'deals' };
    } else {
      const c = await contactsPage(ctx, auth.token, contacts, Object.keys(types), types);
      apiCalls++;
      page = withDeals && c.done ? { ...c, done: false } : c;
      next = {
        contacts: c.cursor,
        deals: withDeals ? deals : undefined,
        types,
        typesAt,
        stage: withDeals && c.done ? 'deals' : 'contacts',
      };
    }
    const out: PageResult & { accessToken?: Token } = {
      records: page.records,
      cursor: next,
      done: page.done,
      apiCalls,
      issues: [...issues, ...page.issues],
      accessToken: auth.calls ? auth.token : undefined,
    };
    if (auth.rotated) out.tokens = { refreshToken: auth.rotated };
    return out;
  }
}

/**
 * The contacts a webhook named, read now (the poll stays the safety net). Property types come from
 * the cursor's cache, or the property list when there is none yet.
 */
export async function hubspotContactsById(
  ctx: FetchContext,
  ids: string[],
): Promise<PageResult & { accessToken?: Token }> {
  const auth = await bearer(ctx);
  let apiCalls = auth.calls;
  const requested = (ctx.settings.properties as string[] | undefined) ?? HUBSPOT_DEFAULT_PROPERTIES;
  let types = (ctx.cursor as Partial<Cursor> | null)?.types;
  if (!types) {
    types = checkProperties(requested, await properties(ctx, auth.token)).types;
    apiCalls++;
  }
  const got = await contactsById(ctx, auth.token, ids, Object.keys(types), types);
  const out: PageResult & { accessToken?: Token } = {
    records: got.records,
    cursor: ctx.cursor ?? {},
    done: true,
    apiCalls: apiCalls + got.apiCalls,
    issues: got.issues,
    accessToken: auth.calls ? auth.token : undefined,
  };
  if (auth.rotated) out.tokens = { refreshToken: auth.rotated };
  return out;
}
