import type { Env } from '../env';
import { ApiError } from '../http-error';
import type { DestinationView } from '../objects/destination-types';
import {
  createDestination,
  deleteDestination,
  getDestination,
  listDestinations,
  testDestination,
  updateDestination,
} from '../services/destinations';

// The admin manages destinations through the destinations service that /api/destinations uses
// (services/destinations.ts): one place validates, seals, indexes and answers, so the form and the
// API cannot drift. Its failures arrive as the API's errors, turned here into answers for the form.

export interface ApiIssue {
  path: string;
  message: string;
}

export type ApiAnswer<T> =
  | { ok: true; status: number; value: T }
  | { ok: false; status: number; code: string; message: string; issues: ApiIssue[] };

// Issues arrive as zod's (path arrays, relative to settings when the object checked them) or as
// the service's (dotted strings): one shape for the form.
function issuesOf(code: string, raw: unknown): ApiIssue[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((i: { path?: unknown; message?: unknown }) => {
    const parts = Array.isArray(i.path)
      ? i.path.map(String)
      : typeof i.path === 'string' && i.path
        ? i.path.split('.')
        : [];
    if (code === 'invalid_settings' && parts[0] !== 'settings') parts.unshift('settings');
    return { path: parts.join('.') || '(form)', message: typeof i.message === 'string' ? i.message : 'not valid' };
  });
}

async function answer<T>(status: number, run: () => Promise<T>): Promise<ApiAnswer<T>> {
  try {
    return { ok: true, status, value: await run() };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return {
      ok: false,
      status: err.status,
      code: err.code,
      message: err.message,
      issues: issuesOf(err.code, err.issues),
    };
  }
}

export const destinationsApi = {
  list: (env: Env, _now: number) => answer(200, () => listDestinations(env)),
  get: (env: Env, id: string, _now: number) => answer(200, () => getDestination(env, id)),
  create: (env: Env, body: unknown, now: number) =>
    answer<DestinationView>(201, () => createDestination(env, body, now)),
  update: (env: Env, id: string, patch: unknown, _now: number) =>
    answer<DestinationView>(200, () => updateDestination(env, id, patch)),
  remove: (env: Env, id: string, now: number) => answer(200, () => deleteDestination(env, id, now)),
  test: (env: Env, id: string, body: unknown, now: number) => answer(200, () => testDestination(env, id, body, now)),
};
