import { Hono } from 'hono';
import type { AppContext, Env } from '../env';
import { ApiError, errorBody } from '../http-error';
import { sources } from '../routes/sources';
import type { SourceView } from '../../shared/schemas/sources';

// The admin manages sources through the very handlers of /api/sources, called in process (as
// destinations-api.ts does): one place validates, seals and answers.
const api = new Hono<AppContext>();
api.use('*', async function adminClock(c, next) {
  c.set('now', Date.now());
  await next();
});
api.route('/', sources);
api.onError((err, c) => {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.issues), err.status);
  throw err;
});

export type SourcesAnswer<T> = { ok: true; value: T } | { ok: false; code: string; message: string; issues: string[] };

async function call<T>(env: Env, method: string, path: string, body?: unknown): Promise<SourcesAnswer<T>> {
  const res = await api.request(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }, env);
  const json = (await res.json()) as { error?: { code: string; message: string; issues?: { path?: unknown; message?: string }[] } };
  if (res.ok) return { ok: true, value: json as T };
  const e = json.error ?? { code: 'error', message: 'the request failed' };
  const issues = Array.isArray(e.issues) ? e.issues.map((i) => `${Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? '')}: ${i.message ?? 'not valid'}`) : [];
  return { ok: false, code: e.code, message: e.message, issues };
}

const at = (id: string) => `/${encodeURIComponent(id)}`;

export const sourcesApi = {
  list: (env: Env) => call<{ sources: SourceView[] }>(env, 'GET', '/'),
  get: (env: Env, id: string) => call<SourceView>(env, 'GET', at(id)),
  create: (env: Env, body: unknown) => call<SourceView>(env, 'POST', '/', body),
  update: (env: Env, id: string, patch: unknown) => call<SourceView>(env, 'PATCH', at(id), patch),
  remove: (env: Env, id: string) => call<{ id: string }>(env, 'DELETE', at(id)),
  sync: (env: Env, id: string) => call<{ jobId: string }>(env, 'POST', `${at(id)}/sync`),
  fields: (env: Env, id: string) => call<{ fields: { name: string; label: string; type: string }[] }>(env, 'GET', `${at(id)}/fields`),
};
