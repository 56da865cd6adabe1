import { Hono } from 'hono';
import type { AppContext, Env } from '../env';
import { ApiError, errorBody } from '../http-error';
import type { DestinationView } from '../objects/destination';
import { destinations } from '../routes/destinations';

// The admin manages destinations through the very handlers of /api/destinations, called in
// process: one place validates, seals, indexes and answers, so the form and the API cannot drift.
// The admin's clock travels on the in-process request (it never reaches the network).
const NOW_HEADER = 'x-admin-now';
const api = new Hono<AppContext>();
api.use('*', async function adminClock(c, next) {
  c.set('now', Number(c.req.header(NOW_HEADER)) || Date.now());
  await next();
});
api.route('/', destinations);
api.onError((err, c) => {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.issues), err.status);
  throw err;
});

export interface ApiIssue {
  path: string;
  message: string;
}

export type ApiAnswer<T> = { ok: true; status: number; value: T } | { ok: false; status: number; code: string; message: string; issues: ApiIssue[] };

// Issues arrive as zod's (path arrays, relative to settings when the object checked them) or as
// the route's (dotted strings): one shape for the form.
function issuesOf(code: string, raw: unknown): ApiIssue[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((i: { path?: unknown; message?: unknown }) => {
    const parts = Array.isArray(i.path) ? i.path.map(String) : typeof i.path === 'string' && i.path ? i.path.split('.') : [];
    if (code === 'invalid_settings' && parts[0] !== 'settings') parts.unshift('settings');
    return { path: parts.join('.') || '(form)', message: typeof i.message === 'string' ? i.message : 'not valid' };
  });
}

async function call<T>(env: Env, method: string, path: string, body: unknown, now: number): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { [NOW_HEADER]: String(now) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await api.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, env);
  const json = (await res.json()) as { error?: { code: string; message: string; issues?: unknown } };
  if (res.ok) return { ok: true, status: res.status, value: json as T };
  const e = json.error ?? { code: 'error', message: 'the request failed' };
  return { ok: false, status: res.status, code: e.code, message: e.message, issues: issuesOf(e.code, e.issues) };
}

const at = (id: string) => `/${encodeURIComponent(id)}`;

export const destinationsApi = {
  list: (env: Env, now: number) => call<{ destinations: DestinationView[] }>(env, 'GET', '/', undefined, now),
  get: (env: Env, id: string, now: number) => call<DestinationView>(env, 'GET', at(id), undefined, now),
  create: (env: Env, body: unknown, now: number) => call<DestinationView>(env, 'POST', '/', body, now),
  update: (env: Env, id: string, patch: unknown, now: number) => call<DestinationView>(env, 'PATCH', at(id), patch, now),
  remove: (env: Env, id: string, now: number) => call<{ cancelled: number; conversionsTurnedOff: { audienceId: string; conversionId: string }[] }>(env, 'DELETE', at(id), undefined, now),
  test: (env: Env, id: string, body: unknown, now: number) =>
    call<{ outcome: { status: string; [k: string]: unknown }; request: unknown; response: unknown; sent: boolean }>(env, 'POST', `${at(id)}/test`, body, now),
};
