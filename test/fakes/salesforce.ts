// Salesforce fake: the REST query API (/services/data/vXX.X/query with Sforce-Query-Options
// batchSize 200–2,000 and nextRecordsUrl locators), describe, Bulk API 2.0 query jobs (CSV results
// paged by Sforce-Locator), OAuth (salesforce-oauth.ts: the authorize page, authorization_code,
// refresh_token with optional rotation, client_credentials), session expiry (401 INVALID_SESSION_ID), the daily API allowance
// (REQUEST_LIMIT_EXCEEDED, Sforce-Limit-Info on every answer) and INVALID_FIELD for unknown fields.
// The SOQL it runs is parsed strictly (salesforce-soql.ts); the records live in memory. (Over 300
// lines: the REST and Bulk routes share one org's records and limits; SOQL, the org and OAuth are
// already files of their own.)
import { randomBytes } from 'node:crypto';
import { createSalesforceOAuth } from './salesforce-oauth';
import { createSalesforceOrg, type Row } from './salesforce-org';
import { PICKLIST_VALUES } from './salesforce-schema';
import { parseSoql, SoqlError, type Query } from './salesforce-soql';
import { startFakeServer, type Fault, type FakeReply, type FakeRequest, type FakeServer } from './server';

export interface SalesforceFakeOptions {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
  /** Whether the connected app rotates refresh tokens (each refresh answers a new one, the old dies). */
  rotate?: boolean;
  /** Whether the client-credentials flow is enabled for the connected app. */
  clientCredentials?: boolean;
  /** The connected app's callback URLs, for the web-server (authorization code) flow. */
  callbackUrls?: string[];
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

interface Job {
  id: string;
  query: Query;
  object: string;
  operation: string;
  state: string;
  polls: number;
  rows: Row[];
  columns: string[];
}

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
  /** Query jobs end Failed instead of JobComplete (Salesforce gives no reason for a failed query job). */
  failBulkJobs(on?: boolean): void;
  refreshTokens: Set<string>;
  callbackUrls: Set<string>;
  apiUsage: { used: number; max: number };
  tokenGrants: number;
  jobs: Map<string, Job>;
}

const MIN_VERSION = 31;
const MAX_VERSION = 65;
const sfError = (status: number, errorCode: string, message: string, headers?: Record<string, string>): FakeReply => ({
  status,
  headers,
  body: [{ message, errorCode }],
});

export async function startSalesforceFake(opts: SalesforceFakeOptions): Promise<SalesforceFake> {
  let url = '';
  const rules = createSalesforceRules(opts, () => url);
  const server = await startFakeServer(rules);
  url = server.url;
  const fake = Object.assign(server, rules.levers, { tokenGrants: 0 });
  // A live count (Object.assign would copy a getter's value once).
  Object.defineProperty(fake, 'tokenGrants', { get: () => rules.oauth.grants });
  return fake;
}

/** One org's rules, answering under `baseUrl()` (a fake server of its own, or one org among several). */
export function createSalesforceRules(opts: SalesforceFakeOptions, baseUrl: () => string) {
  const now = opts.now ?? Date.now;
  const org = createSalesforceOrg({
    multiCurrency: !!opts.multiCurrency,
    now,
    childSet: (rows, version) => batch(rows, 0, opts.subqueryBatch ?? 200, version, rows.length).body as Row,
  });
  const { schema, data, insert, update, run } = org;
  const oauth = createSalesforceOAuth(opts, now, baseUrl);
  const { sessions, refreshTokens } = oauth;
  const locators = new Map<string, { rows: Row[]; version: string }>();
  const jobs = new Map<string, Job>();
  let failJobs = false;
  const apiUsage = { used: 0, max: opts.dailyLimit ?? 100_000 };

  // --- HTTP ----------------------------------------------------------------------------------
  function handle(req: FakeRequest): FakeReply {
    if (req.path === '/services/oauth2/token') return oauth.token(req);
    if (req.path === '/services/oauth2/authorize' && (req.method === 'GET' || req.method === 'POST'))
      return oauth.authorize(req);
    const m = /^\/services\/data\/(v(\d+)\.0)(\/.*)$/.exec(req.path);
    if (!m) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const until = bearer ? sessions.get(bearer) : undefined;
    if (until === undefined || until <= now())
      return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid', { 'www-authenticate': 'Token' });
    apiUsage.used++;
    const limit = { 'sforce-limit-info': `api-usage=${apiUsage.used}/${apiUsage.max}` };
    if (apiUsage.used > apiUsage.max)
      return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', limit);
    const [, version, major, rest] = m as unknown as [string, string, string, string];
    if (+major < MIN_VERSION || +major > MAX_VERSION)
      return sfError(404, 'NOT_FOUND', 'The requested resource does not exist', limit);
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
        return {
          name,
          label: name.replace(/([a-z])([A-Z])/g, '$1 $2'),
          type,
          nillable: name !== 'Id',
          relationshipName: rel?.[0] ?? null,
          referenceTo: rel ? [rel[1][1]] : [],
          picklistValues: PICKLIST_VALUES[`${desc[1]}.${name}`] ?? [],
          custom: name.endsWith('__c'),
        };
      });
      const childRelationships = Object.entries(s.children).map(([relationshipName, [childSObject, field]]) => ({
        relationshipName,
        childSObject,
        field,
      }));
      return {
        status: 200,
        body: {
          name: desc[1],
          label: s.label,
          keyPrefix: s.prefix,
          queryable: true,
          custom: false,
          fields,
          childRelationships,
          urls: {},
        },
      };
    }
    if (rest === '/jobs/query' && req.method === 'POST') {
      const b = req.json as Row | undefined;
      if (!b || typeof b.query !== 'string') return sfError(400, 'INVALIDJOB', 'query is required');
      if (b.operation !== 'query' && b.operation !== 'queryAll')
        return sfError(400, 'INVALIDJOB', "InvalidJob : Invalid operation: operation must be 'query' or 'queryAll'");
      for (const [k, allowed] of [
        ['contentType', ['CSV']],
        ['columnDelimiter', ['COMMA']],
        ['lineEnding', ['LF', 'CRLF']],
      ] as const)
        if (b[k] !== undefined && b[k] !== null && !(allowed as readonly unknown[]).includes(b[k]))
          return sfError(400, 'INVALIDJOB', `unsupported ${k} ${String(b[k])} in this fake`);
      try {
        const parsed = parseSoql(b.query);
        if (parsed.count) return sfError(400, 'INVALIDJOB', 'Bulk API 2.0 does not support aggregate queries');
        const r = run(b.query, parsed, version, true);
        const id = `750${randomBytes(8).toString('hex').slice(0, 15)}`;
        jobs.set(id, {
          id,
          query: parsed,
          object: parsed.from,
          operation: b.operation,
          state: 'UploadComplete',
          polls: 0,
          rows: r.rows,
          columns: r.columns,
        });
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
        if (j.state !== 'Aborted')
          j.state = j.polls++ < (opts.bulkPolls ?? 1) ? 'InProgress' : failJobs ? 'Failed' : 'JobComplete';
        return { status: 200, body: jobInfo(j, version) };
      }
      if (!job[2] && req.method === 'PATCH') {
        if ((req.json as Row | undefined)?.state !== 'Aborted')
          return sfError(400, 'INVALIDJOBSTATE', 'only Aborted may be set on a query job');
        j.state = 'Aborted';
        return { status: 200, body: jobInfo(j, version) };
      }
      if (!job[2] && req.method === 'DELETE') return (jobs.delete(j.id), { status: 204 });
      if (job[2] && req.method === 'GET') {
        if (j.state !== 'JobComplete')
          return sfError(400, 'INVALIDJOBSTATE', `Job state ${j.state} is not JobComplete`);
        const max = req.query.get('maxRecords');
        if (max !== null && !/^[1-9]\d*$/.test(max))
          return sfError(400, 'INVALID_PARAMETER', 'maxRecords must be a positive integer');
        const loc = req.query.get('locator');
        const pos = loc ? Number(Buffer.from(loc, 'base64url').toString()) : 0;
        if (!Number.isInteger(pos) || pos < 0 || pos > j.rows.length)
          return sfError(400, 'INVALID_LOCATOR', 'invalid locator');
        const end = Math.min(j.rows.length, pos + (max ? +max : (opts.bulkPageSize ?? 50_000)));
        const cell = (v: unknown) => `"${v === null || v === undefined ? '' : String(v).replace(/"/g, '""')}"`;
        const lines = [
          j.columns.map(cell).join(','),
          ...j.rows.slice(pos, end).map((r) => j.columns.map((c) => cell(r[c])).join(',')),
        ];
        return {
          status: 200,
          headers: {
            'content-type': 'text/csv',
            'sforce-locator': end < j.rows.length ? Buffer.from(String(end)).toString('base64url') : 'null',
            'sforce-numberofrecords': String(end - pos),
          },
          body: lines.join('\n') + '\n',
        };
      }
    }
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  function jobInfo(j: Job, version: string): Row {
    const t = new Date(now()).toISOString().replace('Z', '+0000');
    return {
      id: j.id,
      operation: j.operation,
      object: j.object,
      createdById: '005000000000001AAA',
      createdDate: t,
      systemModstamp: t,
      state: j.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(version.slice(1)),
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      ...(j.state === 'JobComplete'
        ? { numberRecordsProcessed: j.rows.length, retries: 0, totalProcessingTime: 10 }
        : {}),
    };
  }

  function errorFor(status: number, fault: Fault): FakeReply {
    if (fault.kind === 'limit' || status === 403)
      return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', {
        'sforce-limit-info': `api-usage=${apiUsage.max}/${apiUsage.max}`,
      });
    if (status === 401) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (status === 429) return sfError(429, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
    if (status >= 500) return sfError(status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
    return sfError(status || 400, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred');
  }

  const levers = {
    insert,
    update,
    records: (object: string) => [...data.get(object)!.values()],
    removeField: (object: string, field: string) => void delete schema[object]!.fields[field],
    expireSessions: () => sessions.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    expireLocators: () => locators.clear(),
    failBulkJobs: (on = true) => void (failJobs = on),
    refreshTokens,
    callbackUrls: oauth.callbackUrls,
    apiUsage,
    jobs,
  };
  return { handle, errorFor, isTokenPath: (p: string) => p === '/services/oauth2/token', levers, oauth };
}
