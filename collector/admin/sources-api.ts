import type { Env } from '../env';
import { ApiError } from '../http-error';
import {
  createSource,
  deleteSource,
  getSource,
  listSources,
  sourceFields,
  syncSource,
  updateSource,
} from '../services/sources';

// The admin manages sources through the sources service that /api/sources uses
// (services/sources.ts, as destinations-api.ts does): one place validates, seals and answers. Its
// failures arrive as the API's errors, turned here into answers for the form.

export type SourcesAnswer<T> = { ok: true; value: T } | { ok: false; code: string; message: string; issues: string[] };

async function answer<T>(run: () => Promise<T>): Promise<SourcesAnswer<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const raw = err.issues as { path?: unknown; message?: string }[] | undefined;
    const issues = Array.isArray(raw)
      ? raw.map(
          (i) => `${Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? '')}: ${i.message ?? 'not valid'}`,
        )
      : [];
    return { ok: false, code: err.code, message: err.message, issues };
  }
}

export const sourcesApi = {
  list: (env: Env) => answer(() => listSources(env)),
  get: (env: Env, id: string) => answer(() => getSource(env, id)),
  create: (env: Env, body: unknown) => answer(() => createSource(env, body, Date.now())),
  update: (env: Env, id: string, patch: unknown) => answer(() => updateSource(env, id, patch)),
  remove: (env: Env, id: string) => answer(() => deleteSource(env, id)),
  sync: (env: Env, id: string) => answer(() => syncSource(env, id)),
  fields: (env: Env, id: string) => answer(() => sourceFields(env, id)),
};
