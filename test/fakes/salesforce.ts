// Salesforce fake: the REST query API (/services/data/vXX.X/query with Sforce-Query-Options
// batchSize 200–2,000 and nextRecordsUrl locators), describe, Bulk API 2.0 query jobs (CSV results
// paged by Sforce-Locator), the OAuth token endpoint (refresh_token with optional rotation,
// client_credentials), session expiry (401 INVALID_SESSION_ID), the daily API allowance
// (REQUEST_LIMIT_EXCEEDED, Sforce-Limit-Info on every answer) and INVALID_FIELD for unknown fields.
// The SOQL it runs is parsed strictly (salesforce-soql.ts); the records live in memory.
import { randomBytes } from 'node:crypto';
import { salesforceSchema, type SObjectSchema } from './salesforce-schema';
import { parseSoql, SoqlError, type Cond, type Literal, type Query } from './salesforce-soql';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';

export interface SalesforceFakeOptions {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
  /** Whether the connected app rotates refresh tokens (each refresh answers a new one, the old dies). */
  rotate?: boolean;
  /** Whether the client-credentials flow is enabled for the connected app. */
  clientCredentials?: boolean;
  /** Session lifetime in seconds (the org's session timeout; 2 hours by default). */
  sessionSeconds?: number;
  /** The org's daily API request allowance. */
  dailyLimit?: number;
  multiCurrency?: boolean;
  /** Status checks a Bulk API query job answers InProgress before JobComplete. */
  bulkPolls?: number;
  /** Child records per subquery batch before a nextRecordsUrl of its own. */
  subqueryBatch?: number;
  /** Records per Bulk API results page when the client sends no maxRecords (Salesforce picks a size). */
  bulkPageSize?: number;
  now?: () => number;
}

type Row = Record<string, unknown>;
interface Job { id: string; query: Query; object: string; operation: string; state: string; polls: number; rows: Row[]; columns: string[] }

export interface SalesforceFake extends FakeServer {
  /** Insert a record (SystemModstamp = `at`, whole seconds); answers its Id. */
  insert(object: string, values: Row, at?: number): string;
  update(object: string, id: string, values: Row, at?: number): void;
  records(object: string): Row[];
  /** Remove a field from the schema (an admin deleting or renaming it). */
  removeField(object: string, field: string): void;
  expireSessions(): void;
  revokeRefreshTokens(): void;
  expireLocators(): void;
  refreshTokens: Set<string>;
  apiUsage: { used: number; max: number };
  tokenGrants: number;
  jobs: Map<string, Job>;
}

const MIN_VERSION = 31;
const MAX_VERSION = 65;
const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
const sfError = (status: number, errorCode: string, message: string, headers?: Record<string, string>): FakeReply => ({ status, headers, body: [{ message, errorCode }] });
const sfDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export async function startSalesforceFake(opts: SalesforceFakeOptions): Promise<SalesforceFake> {
  const now = opts.now ?? Date.now;
  const schema = salesforceSchema(!!opts.multiCurrency);
  const data = new Map<string, Map<string, Row>>(Object.keys(schema).map((k) => [k, new Map()]));
  const sessions = new Map<string, number>();
  const refreshTokens = new Set(opts.refreshToken ? [opts.refreshToken] : []);
  const locators = new Map<string, { rows: Row[]; version: string }>();
  const jobs = new Map<string, Job>();
  const apiUsage = { used: 0, max: opts.dailyLimit ?? 100_000 };
  let seq = 0;
  let url = '';
  let tokenGrants = 0;

  const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
  function insert(object: string, values: Row, at = now()): string {
    const s = schema[object]!;
    const id = `${s.prefix}${(++seq).toString(36).padStart(12, '0')}AAA`;
    const t = sec(at);
    data.get(object)!.set(id, { Id: id, CreatedDate: t, LastModifiedDate: t, SystemModstamp: t, IsDeleted: false, ...values });
    return id;
  }
  function update(object: string, id: string, values: Row, at = now()): void {
    const row = data.get(object)!.get(id);
    if (!row) throw new Error(`no ${object} ${id}`);
    Object.assign(row, values, { LastModifiedDate: sec(at), SystemModstamp: sec(at) });
  }

  // --- SOQL semantics over the schema -------------------------------------------------------
  function fieldIssue(q: string, at: number, message: string): SoqlError {
    return new SoqlError('INVALID_FIELD', `\n${q}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${message}`);
  }
  /** Resolves `Account.Name` on Contact to its type and a getter, or throws INVALID_FIELD. */
  function resolve(q: string, object: string, path: string, at: number): { type: string; name: string; get: (r: Row) => unknown } {
    const parts = path.split('.');
    let s: SObjectSchema = schema[object]!;
    let entity = object;
    const hops: [string, string][] = [];
    for (const rel of parts.slice(0, -1)) {
      const key = Object.keys(s.parents).find((k) => k.toLowerCase() === rel.toLowerCase());
      if (!key) throw fieldIssue(q, at, `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
      const [fk, parent] = s.parents[key]!;
      hops.push([fk, parent]);
      s = schema[parent]!;
      entity = parent;
    }
    const last = parts.at(-1)!;
    const name = Object.keys(s.fields).find((f) => f.toLowerCase() === last.toLowerCase());
    if (!name) throw fieldIssue(q, at, `No such column '${last}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    return {
      type: s.fields[name]!,
      name,
      get(r: Row) {
        let row: Row | undefined = r;
        for (const [fk, parent] of hops) row = typeof row?.[fk] === 'string' ? data.get(parent)!.get(row[fk] as string) : undefined;
        return row?.[name] ?? null;
      },
    };
  }

  function literalFor(q: string, path: string, at: number, type: string, v: Literal, cmp: string): unknown {
    if (v.kind === 'null') {
      if (cmp !== '=' && cmp !== '!=') throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `null can only be compared with = or !=`);
      return null;
    }
    const want = (ok: boolean, what: string) => {
      if (!ok) throw fieldIssue(q, at, `value of filter criterion for field '${path}' must be of type ${what} and should not be enclosed in quotes`);
    };
    if (type === 'datetime') return want(v.kind === 'datetime', 'dateTime'), (v as { v: number }).v;
    if (type === 'date') return want(v.kind === 'date', 'date'), (v as { v: string }).v;
    if (type === 'boolean') return want(v.kind === 'bool', 'boolean'), (v as { v: boolean }).v;
    if (['int', 'double', 'currency', 'percent'].includes(type)) return want(v.kind === 'number', 'double'), (v as { v: number }).v;
    if (v.kind !== 'string') throw fieldIssue(q, at, `value of filter criterion for field '${path}' must be of type string and should be enclosed in quotes`);
    if ((type === 'id' || type === 'reference') && !ID.test(v.v)) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `\n${q}\n\ninvalid ID field: ${v.v}`);
    return v.v;
  }

  const compare = (a: unknown, b: unknown): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number | string) < (b as number | string) ? -1 : 1);

  function predicate(q: string, object: string, c: Cond): (r: Row) => boolean {
    if (c.op !== 'cmp') {
      const l = predicate(q, object, c.l);
      const r = predicate(q, object, c.r);
      return c.op === 'and' ? (x) => l(x) && r(x) : (x) => l(x) || r(x);
    }
    const f = resolve(q, object, c.path, c.at);
    const lit = literalFor(q, c.path, c.at, f.type, c.value, c.cmp);
    return (r) => {
      const v = f.get(r);
      if (lit === null) return c.cmp === '=' ? v === null : v !== null;
      if (c.cmp === '!=') return v !== lit;
      if (v === null) return false;
      const d = compare(v, lit);
      return c.cmp === '=' ? d === 0 : c.cmp === '<' ? d < 0 : c.cmp === '<=' ? d <= 0 : c.cmp === '>' ? d > 0 : d >= 0;
    };
  }

  const attributes = (object: string, id: unknown, version: string) => ({ type: object, url: `/services/data/${version}/sobjects/${object}/${id}` });
  const out = (type: string, v: unknown) => (type === 'datetime' && typeof v === 'number' ? sfDateTime(v) : v);

  /** Runs a parsed query: the matching rows as the REST API shapes them. */
  function run(q: string, parsed: Query, version: string, bulk: boolean): { rows: Row[]; columns: string[]; total: number } {
    const object = Object.keys(schema).find((o) => o.toLowerCase() === parsed.from.toLowerCase());
    if (!object) throw new SoqlError('INVALID_TYPE', `\n${q}\n${' '.repeat(parsed.fromAt)}^\nERROR at Row:1:Column:${parsed.fromAt + 1}\nsObject type '${parsed.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
    const where = parsed.where ? predicate(q, object, parsed.where) : () => true;
    const fields = parsed.select.flatMap((s) => (s.kind === 'field' ? [{ path: s.path, ...resolve(q, object, s.path, s.at) }] : []));
    const subs = parsed.select.flatMap((s) => {
      if (s.kind !== 'sub') return [];
      if (bulk) throw new SoqlError('MALFORMED_QUERY', 'Bulk API 2.0 does not support relationship subqueries');
      const rel = Object.keys(schema[object]!.children).find((k) => k.toLowerCase() === s.query.from.toLowerCase());
      if (!rel) throw new SoqlError('INVALID_TYPE', `Didn't understand relationship '${s.query.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`);
      const [child, fk] = schema[object]!.children[rel]!;
      const cf = s.query.select.map((x) => (x.kind === 'field' ? { path: x.path, ...resolve(q, child, x.path, x.at) } : null)).filter((x) => x !== null);
      const cw = s.query.where ? predicate(q, child, s.query.where) : () => true;
      return [{ rel, child, fk, fields: cf, where: cw }];
    });
    const order = parsed.orderBy.map((o) => ({ ...o, get: resolve(q, object, o.path, o.at).get }));
    let rows = [...data.get(object)!.values()].filter((r) => !r.IsDeleted && where(r));
    rows.sort((a, b) => {
      for (const o of order) {
        const va = o.get(a);
        const vb = o.get(b);
        if (va === vb) continue;
        if (va === null || vb === null) return (va === null) === o.nullsLast ? 1 : -1;
        return compare(va, vb) * (o.desc ? -1 : 1);
      }
      return 0;
    });
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    if (parsed.count) return { rows: [], columns: [], total: rows.length };
    const shaped = rows.map((r) => {
      const o: Row = bulk ? {} : { attributes: attributes(object, r.Id, version) };
      for (const f of fields) {
        if (bulk) {
          o[f.path] = out(f.type, f.get(r));
          continue;
        }
        // Parent paths nest: Account.Name → { Account: { attributes, Name } }, null without a parent.
        const parts = f.path.split('.');
        let target = o;
        let cur: Row | undefined = r;
        let sch = schema[object]!;
        let missing = false;
        for (const rel of parts.slice(0, -1)) {
          const key = Object.keys(sch.parents).find((k) => k.toLowerCase() === rel.toLowerCase())!;
          const [fk, parent] = sch.parents[key]!;
          cur = typeof cur?.[fk] === 'string' ? data.get(parent)!.get(cur[fk] as string) : undefined;
          sch = schema[parent]!;
          if (!cur) {
            if (!(key in target)) target[key] = null;
            missing = true;
            break;
          }
          target = (target[key] ??= { attributes: attributes(parent, cur.Id, version) }) as Row;
        }
        if (!missing) target[f.name] = out(f.type, f.get(r));
      }
      for (const s of subs) {
        const kids = [...data.get(s.child)!.values()].filter((k) => k[s.fk] === r.Id && !k.IsDeleted && s.where(k));
        const shapedKids = kids.map((k) => Object.fromEntries([['attributes', attributes(s.child, k.Id, version)], ...s.fields.map((f) => nest(f.path, out(f.type, f.get(k))))]) as Row);
        // A large child set comes in batches of its own, read on with its nextRecordsUrl.
        o[s.rel] = kids.length ? (batch(shapedKids, 0, opts.subqueryBatch ?? 200, version, kids.length).body as Row) : null;
      }
      return o;
    });
    return { rows: shaped, columns: fields.map((f) => f.path), total: rows.length };
  }
  // Subquery rows keep parent paths flat enough for the REST shape: Contact.Email → { Contact: { Email } }.
  function nest(path: string, v: unknown): [string, unknown] {
    const parts = path.split('.');
    if (parts.length === 1) return [path, v];
    return [parts[0]!, Object.fromEntries([nest(parts.slice(1).join('.'), v)])];
  }

  // --- HTTP ----------------------------------------------------------------------------------
  function token(req: FakeRequest): FakeReply {
    if (req.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'must use HTTP POST' } };
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return { status: 400, body: { error: 'invalid_request', error_description: 'invalid content type' } };
    const form = new URLSearchParams(req.text);
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } };
    if (form.get('client_id') !== opts.clientId) return { status: 400, body: { error: 'invalid_client_id', error_description: 'client identifier invalid' } };
    if (form.get('client_secret') !== opts.clientSecret) return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
    const access = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    const base = { access_token: access, signature: randomBytes(32).toString('base64'), instance_url: url, id: `${url}/id/00D000000000001EAA/005000000000001AAA`, token_type: 'Bearer', issued_at: String(now()) };
    if (grant === 'client_credentials') {
      if (!opts.clientCredentials) return { status: 400, body: { error: 'invalid_grant', error_description: 'no client credentials user enabled' } };
      sessions.set(access, now() + (opts.sessionSeconds ?? 7200) * 1000);
      tokenGrants++;
      return { status: 200, body: { ...base, scope: 'api' } };
    }
    const refresh = form.get('refresh_token') ?? '';
    if (!refreshTokens.has(refresh)) return { status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } };
    sessions.set(access, now() + (opts.sessionSeconds ?? 7200) * 1000);
    tokenGrants++;
    const body: Row = { ...base, scope: 'api refresh_token' };
    if (opts.rotate) {
      const next = `5Aep861${randomBytes(30).toString('base64url')}`;
      refreshTokens.delete(refresh);
      refreshTokens.add(next);
      body.refresh_token = next;
    }
    return { status: 200, body };
  }

  function handle(req: FakeRequest): FakeReply {
    if (req.path === '/services/oauth2/token') return token(req);
    const m = /^\/services\/data\/(v(\d+)\.0)(\/.*)$/.exec(req.path);
    if (!m) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const until = bearer ? sessions.get(bearer) : undefined;
    if (until === undefined || until <= now()) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid', { 'www-authenticate': 'Token' });
    apiUsage.used++;
    const limit = { 'sforce-limit-info': `api-usage=${apiUsage.used}/${apiUsage.max}` };
    if (apiUsage.used > apiUsage.max) return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', limit);
    const [, version, major, rest] = m as unknown as [string, string, string, string];
    if (+major < MIN_VERSION || +major > MAX_VERSION) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist', limit);
    const reply = route(req, version, rest);
    return { ...reply, headers: { ...reply.headers, ...limit } };
  }

  function soqlReply(e: unknown): FakeReply {
    if (e instanceof SoqlError) return sfError(400, e.errorCode, e.message);
    throw e;
  }

  function batch(rows: Row[], pos: number, size: number, version: string, total: number, key?: string): FakeReply {
    const end = Math.min(rows.length, pos + size);
    const body: Row = { totalSize: total, done: end >= rows.length, records: rows.slice(pos, end) };
    if (end < rows.length) {
      const id = key ?? `01g${randomBytes(8).toString('hex').slice(0, 15)}`;
      if (!key) locators.set(id, { rows, version });
      body.nextRecordsUrl = `/services/data/${version}/query/${id}-${end}`;
    }
    return { status: 200, body };
  }

  function batchSize(req: FakeRequest): number {
    const m = /batchSize=(\d+)/.exec(req.headers['sforce-query-options'] ?? '');
    // Salesforce treats the batch size as a hint between 200 and 2,000 (2,000 by default).
    return m ? Math.min(2000, Math.max(200, +m[1]!)) : 2000;
  }

  function route(req: FakeRequest, version: string, rest: string): FakeReply {
    if ((rest === '/query' || rest === '/queryAll') && req.method === 'GET') {
      const q = req.query.get('q');
      if (!q) return sfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      try {
        const r = run(q, parseSoql(q), version, false);
        return batch(r.rows, 0, batchSize(req), version, r.total);
      } catch (e) {
        return soqlReply(e);
      }
    }
    const more = /^\/query\/(01g[A-Za-z0-9]+)-(\d+)$/.exec(rest);
    if (more && req.method === 'GET') {
      const set = locators.get(more[1]!);
      if (!set) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return batch(set.rows, +more[2]!, batchSize(req), version, set.rows.length, more[1]);
    }
    const desc = /^\/sobjects\/([A-Za-z_]+)\/describe\/?$/.exec(rest);
    if (desc && req.method === 'GET') {
      const s = schema[desc[1]!];
      if (!s) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const fields = Object.entries(s.fields).map(([name, type]) => {
        const rel = Object.entries(s.parents).find(([, [fk]]) => fk === name);
        return { name, label: name.replace(/([a-z])([A-Z])/g, '$1 $2'), type, nillable: name !== 'Id', relationshipName: rel?.[0] ?? null, referenceTo: rel ? [rel[1][1]] : [], custom: name.endsWith('__c') };
      });
      const childRelationships = Object.entries(s.children).map(([relationshipName, [childSObject, field]]) => ({ relationshipName, childSObject, field }));
      return { status: 200, body: { name: desc[1], label: s.label, keyPrefix: s.prefix, queryable: true, custom: false, fields, childRelationships, urls: {} } };
    }
    if (rest === '/jobs/query' && req.method === 'POST') {
      const b = req.json as Row | undefined;
      if (!b || typeof b.query !== 'string') return sfError(400, 'INVALIDJOB', 'query is required');
      if (b.operation !== 'query' && b.operation !== 'queryAll') return sfError(400, 'INVALIDJOB', "InvalidJob : Invalid operation: operation must be 'query' or 'queryAll'");
      for (const [k, allowed] of [['contentType', ['CSV']], ['columnDelimiter', ['COMMA']], ['lineEnding', ['LF', 'CRLF']]] as const)
        if (b[k] !== undefined && b[k] !== null && !(allowed as readonly unknown[]).includes(b[k])) return sfError(400, 'INVALIDJOB', `unsupported ${k} ${String(b[k])} in this fake`);
      try {
        const parsed = parseSoql(b.query);
        if (parsed.count) return sfError(400, 'INVALIDJOB', 'Bulk API 2.0 does not support aggregate queries');
        const r = run(b.query, parsed, version, true);
        const id = `750${randomBytes(8).toString('hex').slice(0, 15)}`;
        jobs.set(id, { id, query: parsed, object: parsed.from, operation: b.operation, state: 'UploadComplete', polls: 0, rows: r.rows, columns: r.columns });
        return { status: 200, body: jobInfo(jobs.get(id)!, version) };
      } catch (e) {
        return soqlReply(e);
      }
    }
    const job = /^\/jobs\/query\/(750[A-Za-z0-9]+)(\/results)?$/.exec(rest);
    if (job) {
      const j = jobs.get(job[1]!);
      if (!j) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!job[2] && req.method === 'GET') {
        if (j.state !== 'Aborted') j.state = j.polls++ < (opts.bulkPolls ?? 1) ? 'InProgress' : 'JobComplete';
        return { status: 200, body: jobInfo(j, version) };
      }
      if (!job[2] && req.method === 'PATCH') {
        if ((req.json as Row | undefined)?.state !== 'Aborted') return sfError(400, 'INVALIDJOBSTATE', 'only Aborted may be set on a query job');
        j.state = 'Aborted';
        return { status: 200, body: jobInfo(j, version) };
      }
      if (!job[2] && req.method === 'DELETE') return jobs.delete(j.id), { status: 204 };
      if (job[2] && req.method === 'GET') {
        if (j.state !== 'JobComplete') return sfError(400, 'INVALIDJOBSTATE', `Job state ${j.state} is not JobComplete`);
        const max = req.query.get('maxRecords');
        if (max !== null && !/^[1-9]\d*$/.test(max)) return sfError(400, 'INVALID_PARAMETER', 'maxRecords must be a positive integer');
        const loc = req.query.get('locator');
        const pos = loc ? Number(Buffer.from(loc, 'base64url').toString()) : 0;
        if (!Number.isInteger(pos) || pos < 0 || pos > j.rows.length) return sfError(400, 'INVALID_LOCATOR', 'invalid locator');
        const end = Math.min(j.rows.length, pos + (max ? +max : (opts.bulkPageSize ?? 50_000)));
        const cell = (v: unknown) => `"${v === null || v === undefined ? '' : String(v).replace(/"/g, '""')}"`;
        const lines = [j.columns.map(cell).join(','), ...j.rows.slice(pos, end).map((r) => j.columns.map((c) => cell(r[c])).join(','))];
        return {
          status: 200,
          headers: { 'content-type': 'text/csv', 'sforce-locator': end < j.rows.length ? Buffer.from(String(end)).toString('base64url') : 'null', 'sforce-numberofrecords': String(end - pos) },
          body: lines.join('\n') + '\n',
        };
      }
    }
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  function jobInfo(j: Job, version: string): Row {
    const t = new Date(now()).toISOString().replace('Z', '+0000');
    return {
      id: j.id, operation: j.operation, object: j.object, createdById: '005000000000001AAA', createdDate: t, systemModstamp: t, state: j.state,
      concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(version.slice(1)), lineEnding: 'LF', columnDelimiter: 'COMMA',
      ...(j.state === 'JobComplete' ? { numberRecordsProcessed: j.rows.length, retries: 0, totalProcessingTime: 10 } : {}),
    };
  }

  function errorFor(status: number, fault: Fault): FakeReply {
    if (fault.kind === 'limit' || status === 403) return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', { 'sforce-limit-info': `api-usage=${apiUsage.max}/${apiUsage.max}` });
    if (status === 401) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (status === 429) return sfError(429, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
    if (status >= 500) return sfError(status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
    return sfError(status || 400, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred');
  }

  const server = await startFakeServer({ handle, errorFor, isTokenPath: (p) => p === '/services/oauth2/token' });
  url = server.url;
  const fake = Object.assign(server, {
    insert,
    update,
    records: (object: string) => [...data.get(object)!.values()],
    removeField: (object: string, field: string) => void delete schema[object]!.fields[field],
    expireSessions: () => sessions.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    expireLocators: () => locators.clear(),
    refreshTokens,
    apiUsage,
    tokenGrants: 0,
    jobs,
  });
  // A live count (Object.assign would copy a getter's value once).
  Object.defineProperty(fake, 'tokenGrants', { get: () => tokenGrants });
  return fake;
}
