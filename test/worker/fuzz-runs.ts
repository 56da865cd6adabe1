import { env } from 'cloudflare:workers';
import worker from '../../collector/index';
import type { Env } from '../../collector/env';

/** Cases per property: FUZZ_RUNS (scripts/fuzz.mjs runs 10,000) or the small CI sample. */
export function fuzzRuns(ciSample: number): number {
  const n = Number((env as unknown as { FUZZ_RUNS?: string }).FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? n : ciSample;
}

/** A test timeout that grows with the number of cases (up to ~45 ms a case measured on a loaded machine; 4x margin). */
export function fuzzTimeout(runs: number): number {
  return Math.max(120_000, runs * 200);
}

/** Object.prototype has gained nothing (no `__proto__` / `constructor` write reached it). */
export function prototypeClean(): boolean {
  return (
    Object.getOwnPropertyNames(Object.prototype).every((k) => PROTO_KEYS.has(k)) &&
    ({} as Record<string, unknown>).polluted === undefined
  );
}
const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A client IP per request, so the per-IP limits (tested in abuse.test.ts) never turn a fuzz run into a rate-limit test. */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

// ---- The Worker called in-process. `exports.default.fetch` (helpers.ts `call`) goes through the
// test pool's entry, whose cost grows with every call made in the file (measured: /healthz 5 ms a
// call at first, 375 ms after 600 calls), which made 10,000 cases an endpoint take hours. The fuzz
// calls the Worker's own fetch handler with the same bindings and the same Durable Objects, SQLite
// and queue instead (~0.1 ms for /healthz, ~3 ms for an /api read), and settles its waitUntil
// promises itself (a rejection fails the case).

const BASE = 'http://collector.test';
const SK = 'sk_dev_local';
const pending: Promise<unknown>[] = [];
const ctx = {
  waitUntil: (p: Promise<unknown>) => void pending.push(p),
  passThroughOnException() {},
  props: {},
} as unknown as ExecutionContext;

/** Requests made per endpoint (method and route, ids folded), printed by the fuzz files at the end. */
export const requestsPerEndpoint = new Map<string, number>();
const LITERAL = new Set([
  'publishable',
  'secret',
  'origins',
  'conversions',
  'members',
  'erase',
  'suppression',
  'retry',
  'test',
  'pause',
  'off',
  'revoke',
  'rotate',
  'edit',
  'delete',
  'new',
  'sign-in',
  'sign-out',
  'upload',
]);
function endpointOf(method: string, path: string): string {
  const segs = path.split('?')[0]!.split('/').slice(1);
  const keep = 2;
  return `${method} /${segs.map((s, i) => (i < keep || LITERAL.has(s) ? s : ':id')).join('/')}`;
}

export async function settleWaitUntil(): Promise<void> {
  while (pending.length) {
    for (const r of await Promise.allSettled(pending.splice(0))) if (r.status === 'rejected') throw r.reason;
  }
}

export async function fastCall(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const key = endpointOf(method, path);
  requestsPerEndpoint.set(key, (requestsPerEndpoint.get(key) ?? 0) + 1);
  const res = await worker.fetch!(new Request(BASE + path, init) as never, env as unknown as Env, ctx);
  if (pending.length > 50) await settleWaitUntil();
  return res as unknown as Response;
}

export const fastApi = (path: string, init: RequestInit = {}) =>
  fastCall(path, { ...init, headers: { authorization: `Bearer ${SK}`, ...(init.headers as Record<string, string>) } });

export const fastCollect = (body: unknown, headers: Record<string, string> = {}) =>
  fastCall('/v1/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'http://localhost:3000', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const fastUpsertPeople = (body: unknown, key = SK, headers: Record<string, string> = {}) =>
  fastCall('/v1/people', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export async function fastPerson(email: string): Promise<any> {
  const res = await fastApi(`/api/people/${encodeURIComponent(email)}`);
  if (res.status === 200) return res.json();
  await res.body?.cancel();
  return null;
}

/** The table a fuzz file prints at the end: requests per endpoint. */
export function printRequests(file: string, runs: number) {
  // workerd's console has no console.table: plain lines.
  const rows = [...requestsPerEndpoint].sort((a, b) => b[1] - a[1]);
  console.log(
    `\n${file}: ${runs} cases per property; requests per endpoint\n${rows.map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`).join('\n')}`,
  );
}
