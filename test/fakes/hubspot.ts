// HubSpot contract fake: the CRM search API (contacts, and deals with their contact associations),
// the property list, batch read, OAuth token refresh and private-app tokens, with HubSpot's
// documented rules: search `limit` at most 200; at most 10,000 results per query (paging past them
// answers 400); search rate limited per second (429 with Retry-After); 5 filter groups of at most 6
// filters (18 in all); one sort; access tokens that expire (30 minutes) and refresh tokens that rotate
// when asked to; unknown properties silently not returned (as HubSpot does). Records sharing one
// lastmodifieddate come back in an order that is NOT their id order: HubSpot does not define it.
// (Over 300 lines: one platform's documented rules in one place, as the other fakes.)
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './server';
import { isObject, unknownKeys } from './rules';

export const HUBSPOT_SEARCH_MAX_LIMIT = 200;
export const HUBSPOT_SEARCH_MAX_RESULTS = 10_000;

export interface HubSpotFakeOptions {
  /** Private-app tokens accepted as they are. */
  privateTokens?: string[];
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Whether each refresh hands back a new refresh token and revokes the old one. */
  rotate?: boolean;
  /** Access-token lifetime in seconds (HubSpot: 1800). */
  expiresIn?: number;
  /** Search requests per second per account before 429 (HubSpot documents 5; 0 turns the check off). */
  searchPerSecond?: number;
  now?: () => number;
}

type Obj = { id: string; properties: Record<string, string | null>; createdAt: number; updatedAt: number };
type PropertyOption = { label: string; value: string; displayOrder: number; hidden: boolean };
type PropertyDef = { name: string; label: string; type: string; fieldType: string; options?: PropertyOption[] };

const STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
export const CONTACT_PROPERTIES: PropertyDef[] = [
  ...[
    'email',
    'firstname',
    'lastname',
    'phone',
    'company',
    'jobtitle',
    'city',
    'state',
    'zip',
    'country',
    'hs_analytics_source',
  ].map((n) => ({ name: n, label: n, type: 'string', fieldType: 'text' })),
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    // HubSpot's default stages, as its properties API lists them.
    options: STAGES.map((s, i) => ({ label: s, value: s, displayOrder: i, hidden: false })),
  },
  { name: 'hs_lead_status', label: 'Lead Status', type: 'enumeration', fieldType: 'radio' },
  ...STAGES.map((s) => ({
    name: `hs_lifecyclestage_${s}_date`,
    label: `Became a ${s} date`,
    type: 'datetime',
    fieldType: 'date',
  })),
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date' },
  { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number' },
  { name: 'num_employees', label: 'Employees', type: 'number', fieldType: 'number' },
];
const DEAL_PROPERTIES: PropertyDef[] = [
  { name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text' },
  { name: 'dealstage', label: 'Deal Stage', type: 'enumeration', fieldType: 'radio' },
  { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
  { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
  { name: 'hs_lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number' },
];

function err(status: number, message: string, category: string, extra: Record<string, unknown> = {}): FakeReply {
  return {
    status,
    body: { status: 'error', message, correlationId: randomBytes(8).toString('hex'), category, ...extra },
  };
}

/** HubSpot webhook signature v3: base64 HMAC-SHA256 (client secret) of method + uri + body + timestamp. */
export function signHubSpotV3(secret: string, method: string, uri: string, body: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

// Ties in a sort are answered in an order unrelated to ids, as HubSpot's index may.
const scramble = (id: string) => createHash('sha1').update(id).digest('hex');

function asMs(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

export class HubSpotFake {
  server!: FakeServer;
  readonly contacts = new Map<string, Obj>();
  private readonly byEmail = new Map<string, string>();
  readonly deals = new Map<string, Obj>();
  /** deal id → contact ids */
  readonly dealContacts = new Map<string, string[]>();
  readonly refreshTokens = new Set<string>();
  private readonly access = new Map<string, number>();
  private nextId = 1001;
  private searchTimes: number[] = [];
  /** Contact properties as HubSpot lists them (tests delete or retype some). */
  contactProperties = CONTACT_PROPERTIES.map((p) => ({ ...p }));
  searches = 0;
  grants = 0;
  private readonly accounts = new Map<string, HubSpotFake>();
  /** Authorization codes → the redirect_uri each was issued for. */
  readonly codes = new Map<string, string>();
  /** The search after `after` more successful ones answers `status` (a failure midway through a sync). */
  failSearch: { after: number; status: number } | null = null;

  constructor(readonly opts: HubSpotFakeOptions = {}) {
    if (opts.refreshToken) this.refreshTokens.add(opts.refreshToken);
  }

  get url(): string {
    return this.server.url;
  }
  now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async start(): Promise<this> {
    this.server = await startFakeServer({
      handle: (req) => this.handle(req),
      errorFor: (status) =>
        status === 429
          ? err(429, 'You have reached your secondly limit.', 'RATE_LIMITS', {
              errorType: 'RATE_LIMIT',
              policyName: 'SECONDLY',
            })
          : status === 401
            ? err(401, 'The OAuth token used to make this call expired.', 'EXPIRED_AUTHENTICATION')
            : err(status, 'internal error', 'INTERNAL_ERROR'),
      isTokenPath: (p) => p === '/oauth/v1/token',
      snapshot: () => ({
        contacts: this.contacts.size,
        deals: this.deals.size,
        searches: this.searches,
        grants: this.grants,
        accounts: Object.fromEntries(
          [...this.accounts].map(([k, a]) => [
            k,
            { contacts: a.contacts.size, searches: a.searches, grants: a.grants },
          ]),
        ),
      }),
      control: (b) => this.control(b),
    });
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Creates or changes a contact (by email), stamping lastmodifieddate with `at` (default now). */
  upsertContact(email: string, properties: Record<string, string | null> = {}, at = this.now()): Obj {
    const existingId = this.byEmail.get(email);
    const existing = existingId ? this.contacts.get(existingId) : undefined;
    const id = existing?.id ?? String(this.nextId++);
    const obj: Obj = existing ?? {
      id,
      properties: { email, hs_object_id: id, createdate: new Date(at).toISOString() },
      createdAt: at,
      updatedAt: at,
    };
    Object.assign(obj.properties, properties);
    obj.updatedAt = at;
    obj.properties.lastmodifieddate = new Date(at).toISOString();
    this.contacts.set(id, obj);
    this.byEmail.set(email, id);
    return obj;
  }

  upsertDeal(
    properties: Record<string, string | null>,
    contactIds: string[],
    at = this.now(),
    id = String(this.nextId++),
  ): Obj {
    const obj: Obj = this.deals.get(id) ?? {
      id,
      properties: { hs_object_id: id, createdate: new Date(at).toISOString() },
      createdAt: at,
      updatedAt: at,
    };
    Object.assign(obj.properties, properties);
    obj.updatedAt = at;
    obj.properties.hs_lastmodifieddate = new Date(at).toISOString();
    this.deals.set(id, obj);
    this.dealContacts.set(id, contactIds);
    return obj;
  }

  /** An access token as an OAuth refresh would mint it. */
  mint(): string {
    const t = `CN${randomBytes(16).toString('hex')}`;
    this.access.set(t, this.now() + (this.opts.expiresIn ?? 1800) * 1000);
    return t;
  }
  expireAll(): void {
    this.access.clear();
  }
  currentRefreshToken(): string {
    return [...this.refreshTokens].at(-1)!;
  }

  private control(b: Record<string, unknown>): boolean {
    if (typeof b.account === 'string') return this.account(b.account).control({ ...b, account: undefined });
    switch (b.action) {
      case 'failSearch':
        this.failSearch = { after: Number(b.after ?? 0), status: Number(b.status ?? 500) };
        return true;
      case 'upsert':
        for (const c of b.contacts as { email: string; properties?: Record<string, string | null>; at?: number }[])
          this.upsertContact(c.email, c.properties ?? {}, c.at);
        return true;
      case 'deal':
        this.upsertDeal(
          b.properties as Record<string, string>,
          b.contactIds as string[],
          b.at as number | undefined,
          b.id as string | undefined,
        );
        return true;
      case 'authorize':
        // What HubSpot's authorize page does when the user approves: a code for this redirect_uri.
        this.codes.set(String(b.code), String(b.redirectUri));
        return true;
      case 'expire':
        this.expireAll();
        return true;
      case 'revoke':
        this.refreshTokens.clear();
        (this.opts.privateTokens ?? []).splice(0);
        return true;
      default:
        return false;
    }
  }

  private authorized(req: FakeRequest): FakeReply | null {
    const m = /^Bearer (\S+)$/.exec(req.headers['authorization'] ?? '');
    if (!m)
      return err(
        401,
        'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        'INVALID_AUTHENTICATION',
      );
    if ((this.opts.privateTokens ?? []).includes(m[1]!)) return null;
    const until = this.access.get(m[1]!);
    if (until === undefined)
      return err(
        401,
        'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        'INVALID_AUTHENTICATION',
      );
    if (until <= this.now())
      return err(401, 'The OAuth token used to make this call expired 0 second(s) ago.', 'EXPIRED_AUTHENTICATION');
    return null;
  }

  /** A separate HubSpot account under `/acct/<name>`: test files sharing one fake never see each other's contacts. */
  account(name: string): HubSpotFake {
    let a = this.accounts.get(name);
    if (!a)
      this.accounts.set(
        name,
        (a = new HubSpotFake({ ...this.opts, privateTokens: [...(this.opts.privateTokens ?? [])] })),
      );
    return a;
  }

  private handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    const acct = /^\/acct\/([\w-]+)(\/.*)$/.exec(req.path);
    if (acct) return this.account(acct[1]!).handle({ ...req, path: acct[2]! });
    if (req.path === '/oauth/v1/token') return this.token(req);
    const denied = this.authorized(req);
    if (denied) return denied;
    let m: RegExpExecArray | null;
    if ((m = /^\/crm\/v3\/properties\/(contacts|deals)$/.exec(req.path)) && req.method === 'GET')
      return {
        status: 200,
        body: {
          results: (m[1] === 'contacts' ? this.contactProperties : DEAL_PROPERTIES).map((p) => ({
            groupName: 'info',
            description: '',
            options: [],
            ...p,
            hidden: false,
            formField: true,
          })),
        },
      };
    if ((m = /^\/crm\/v3\/objects\/(contacts|deals)\/search$/.exec(req.path)) && req.method === 'POST')
      return this.search(m[1] as 'contacts' | 'deals', req);
    if ((m = /^\/crm\/v3\/objects\/(contacts|deals)\/batch\/read$/.exec(req.path)) && req.method === 'POST')
      return this.batchRead(m[1] as 'contacts' | 'deals', req);
    if (req.path === '/crm/v4/associations/deals/contacts/batch/read' && req.method === 'POST')
      return this.associations(req);
    return err(404, `no route for ${req.method} ${req.path}`, 'OBJECT_NOT_FOUND');
  }

  private token(req: FakeRequest): FakeReply {
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return err(400, 'form-encoded POST required', 'VALIDATION_ERROR');
    const f = new URLSearchParams(req.text);
    const grant = f.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'authorization_code')
      return {
        status: 400,
        body: { status: 'BAD_GRANT_TYPE', message: 'grant_type must be refresh_token or authorization_code' },
      };
    if (f.get('client_id') !== this.opts.clientId)
      return { status: 400, body: { status: 'BAD_CLIENT_ID', message: 'missing or unknown client id' } };
    if (f.get('client_secret') !== this.opts.clientSecret)
      return { status: 400, body: { status: 'BAD_CLIENT_SECRET', message: 'missing or invalid client secret' } };
    if (grant === 'authorization_code') {
      // A code is single use and bound to the redirect_uri it was issued for.
      const code = this.codes.get(f.get('code') ?? '');
      if (!code || code !== f.get('redirect_uri'))
        return { status: 400, body: { status: 'BAD_AUTH_CODE', message: 'missing or invalid auth code' } };
      this.codes.delete(f.get('code')!);
      const refresh = `${randomBytes(4).toString('hex')}-${randomBytes(8).toString('hex')}`;
      this.refreshTokens.add(refresh);
      this.grants++;
      return {
        status: 200,
        body: {
          token_type: 'bearer',
          refresh_token: refresh,
          access_token: this.mint(),
          expires_in: this.opts.expiresIn ?? 1800,
        },
      };
    }
    const rt = f.get('refresh_token') ?? '';
    if (!this.refreshTokens.has(rt))
      return { status: 400, body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' } };
    this.grants++;
    let refresh = rt;
    if (this.opts.rotate) {
      refresh = `${randomBytes(4).toString('hex')}-${randomBytes(8).toString('hex')}`;
      this.refreshTokens.delete(rt);
      this.refreshTokens.add(refresh);
    }
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: refresh,
        access_token: this.mint(),
        expires_in: this.opts.expiresIn ?? 1800,
      },
    };
  }

  private rateLimited(): FakeReply | null {
    const perSecond = this.opts.searchPerSecond ?? 5;
    if (!perSecond) return null;
    const now = Date.now();
    this.searchTimes = this.searchTimes.filter((t) => now - t < 1000);
    if (this.searchTimes.length >= perSecond)
      return {
        ...err(429, 'You have reached your secondly limit.', 'RATE_LIMITS', {
          errorType: 'RATE_LIMIT',
          policyName: 'SECONDLY',
        }),
        headers: { 'retry-after': '1' },
      };
    this.searchTimes.push(now);
    return null;
  }

  private search(type: 'contacts' | 'deals', req: FakeRequest): FakeReply {
    const limited = this.rateLimited();
    if (limited) return limited;
    if (this.failSearch && this.failSearch.after-- <= 0) {
      const status = this.failSearch.status;
      this.failSearch = null;
      return err(status, 'internal error', 'INTERNAL_ERROR');
    }
    const b = req.json;
    if (!isObject(b)) return err(400, 'Invalid input JSON', 'VALIDATION_ERROR');
    const extra = unknownKeys(b, ['filterGroups', 'sorts', 'query', 'properties', 'limit', 'after'], 'search');
    if (extra) return err(400, extra, 'VALIDATION_ERROR');
    const limit = b.limit ?? 10;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > HUBSPOT_SEARCH_MAX_LIMIT)
      return err(400, `limit must be between 1 and ${HUBSPOT_SEARCH_MAX_LIMIT}`, 'VALIDATION_ERROR');
    const after = b.after === undefined || b.after === null ? 0 : Number(b.after);
    if (!Number.isInteger(after) || after < 0)
      return err(400, 'after must be a non-negative integer string', 'VALIDATION_ERROR');
    if (after + limit > HUBSPOT_SEARCH_MAX_RESULTS)
      return err(
        400,
        `Paging past ${HUBSPOT_SEARCH_MAX_RESULTS} results is not supported for search: narrow the query`,
        'VALIDATION_ERROR',
      );
    const groups = (b.filterGroups ?? []) as {
      filters?: { propertyName?: string; operator?: string; value?: string; values?: string[] }[];
    }[];
    if (!Array.isArray(groups) || groups.length > 5) return err(400, 'at most 5 filterGroups', 'VALIDATION_ERROR');
    if (
      groups.some((g) => !Array.isArray(g.filters) || g.filters.length > 6) ||
      groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0) > 18
    )
      return err(400, 'at most 6 filters per group and 18 in all', 'VALIDATION_ERROR');
    const sorts = (b.sorts ?? []) as ({ propertyName?: string; direction?: string } | string)[];
    if (!Array.isArray(sorts) || sorts.length > 1) return err(400, 'only one sort is supported', 'VALIDATION_ERROR');
    const ops = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'];
    for (const g of groups)
      for (const f of g.filters!)
        if (!f.propertyName || !ops.includes(f.operator ?? ''))
          return err(400, `unsupported filter ${JSON.stringify(f)}`, 'VALIDATION_ERROR');
    this.searches++;
    const store = type === 'contacts' ? this.contacts : this.deals;
    const value = (o: Obj, name: string) => o.properties[name] ?? null;
    const cmp = (a: string | null, v: string): number => {
      const am = asMs(a);
      const vm = asMs(v);
      if (am !== null && vm !== null) return am - vm;
      return String(a ?? '').localeCompare(v);
    };
    const match = (o: Obj, f: { propertyName?: string; operator?: string; value?: string; values?: string[] }) => {
      const a = value(o, f.propertyName!);
      const v = String(f.value ?? '');
      switch (f.operator) {
        case 'EQ':
          return a !== null && cmp(a, v) === 0;
        case 'NEQ':
          return a === null || cmp(a, v) !== 0;
        case 'LT':
          return a !== null && cmp(a, v) < 0;
        case 'LTE':
          return a !== null && cmp(a, v) <= 0;
        case 'GT':
          return a !== null && cmp(a, v) > 0;
        case 'GTE':
          return a !== null && cmp(a, v) >= 0;
        case 'IN':
          return a !== null && (f.values ?? []).includes(a);
        case 'NOT_IN':
          return a === null || !(f.values ?? []).includes(a);
        case 'HAS_PROPERTY':
          return a !== null;
        default:
          return a === null;
      }
    };
    let all = [...store.values()].filter(
      (o) => !groups.length || groups.some((g) => g.filters!.every((f) => match(o, f))),
    );
    const sort = sorts[0];
    const sortName = typeof sort === 'string' ? sort.replace(/^-/, '') : sort?.propertyName;
    const desc = typeof sort === 'string' ? sort.startsWith('-') : sort?.direction === 'DESCENDING';
    all.sort((x, y) => {
      const c = sortName ? cmp(value(x, sortName), value(y, sortName) ?? '') : Number(x.id) - Number(y.id);
      return (desc ? -c : c) || (scramble(x.id) < scramble(y.id) ? -1 : 1);
    });
    const total = all.length;
    all = all.slice(after, after + limit);
    const props = Array.isArray(b.properties)
      ? (b.properties as string[])
      : ['email', 'firstname', 'lastname', 'createdate', 'lastmodifieddate', 'hs_object_id'];
    const next =
      after + limit < total ? { next: { after: String(after + limit), link: `?after=${after + limit}` } } : undefined;
    return {
      status: 200,
      body: { total, results: all.map((o) => this.view(o, props, type)), ...(next ? { paging: next } : {}) },
    };
  }

  private view(o: Obj, props: string[], type: string) {
    const always =
      type === 'contacts'
        ? ['createdate', 'lastmodifieddate', 'hs_object_id']
        : ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];
    const known = new Set((type === 'contacts' ? this.contactProperties : DEAL_PROPERTIES).map((p) => p.name));
    const properties: Record<string, string | null> = {};
    for (const p of new Set([...always, ...props]))
      if (known.has(p) || always.includes(p)) properties[p] = o.properties[p] ?? null;
    return {
      id: o.id,
      properties,
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
      archived: false,
    };
  }

  private batchRead(type: 'contacts' | 'deals', req: FakeRequest): FakeReply {
    const b = req.json as { inputs?: { id: string }[]; properties?: string[] };
    if (!isObject(b) || !Array.isArray(b.inputs) || b.inputs.length > 100)
      return err(400, 'inputs: 1 to 100 ids', 'VALIDATION_ERROR');
    const store = type === 'contacts' ? this.contacts : this.deals;
    const found = b.inputs.map((i) => store.get(String(i.id))).filter((o): o is Obj => !!o);
    const now = new Date().toISOString();
    return {
      status: 200,
      body: {
        status: 'COMPLETE',
        results: found.map((o) => this.view(o, b.properties ?? [], type)),
        startedAt: now,
        completedAt: now,
      },
    };
  }

  private associations(req: FakeRequest): FakeReply {
    const b = req.json as { inputs?: { id: string }[] };
    if (!isObject(b) || !Array.isArray(b.inputs) || b.inputs.length > 1000)
      return err(400, 'inputs: 1 to 1000 ids', 'VALIDATION_ERROR');
    const results = b.inputs
      .filter((i) => this.dealContacts.has(String(i.id)))
      .map((i) => ({
        from: { id: String(i.id) },
        to: this.dealContacts.get(String(i.id))!.map((c) => ({
          toObjectId: Number(c),
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }],
        })),
      }));
    return {
      status: 200,
      body: { status: 'COMPLETE', results, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() },
    };
  }
}

export async function startHubSpotFake(opts: HubSpotFakeOptions = {}): Promise<HubSpotFake> {
  return new HubSpotFake(opts).start();
}
