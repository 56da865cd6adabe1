// CRM sources as one service: connect, read, change, pause, delete, sync now and list the CRM's
// fields, used alike by /api/sources (routes/sources.ts), the admin's Sources pages and the OAuth
// connect flow (admin/sources-api.ts). Each source is its own SourceObject (settings sealed there);
// the ConfigObject keeps the list of their ids. Failures are ApiErrors.
import type { Env } from '../env';
import { ApiError } from '../http-error';
import { zodIssues } from '../validation';
import { MAX_SOURCES } from '../objects/config';
import { SOURCE_ID, type Result, type SourceObject } from '../objects/source';
import { connectorFor } from '../sources/registry';
import { sourcePatchSchema, sourceSchema, type SourceView } from '../../shared/schemas/sources';
import { configObject, sourceById } from '../objects/doors';
import { randomHex } from '../../shared/hex';

/** The object of a source id the API made; any other id is not found. */
export function sourceFor(env: Env, id: string): SourceObject {
  if (!SOURCE_ID.test(id)) throw new ApiError(404, 'not_found', 'no such source');
  return sourceById(env, id);
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const status =
    r.code === 'not_found'
      ? 404
      : r.code === 'conflict' || r.code === 'source_paused'
        ? 409
        : r.code.startsWith('source_') && r.code !== 'source_not_available' && r.code !== 'source_config'
          ? 502
          : 400;
  throw new ApiError(status, r.code, r.message, r.issues);
}

export async function createSource(env: Env, raw: unknown, now: number): Promise<SourceView> {
  const type = (raw as { type?: unknown })?.type;
  if ((type === 'hubspot' || type === 'salesforce') && !connectorFor(type))
    throw new ApiError(400, 'source_not_available', `${type} sources are not available in this version`);
  const parsed = sourceSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid_source', 'the source is not valid', zodIssues(parsed.error));
  const id = `src_${randomHex(8)}`;
  const d = parsed.data;
  const config = configObject(env);
  if ((await config.listSources()).length >= MAX_SOURCES)
    throw new ApiError(409, 'too_many_sources', `a deployment has at most ${MAX_SOURCES} sources`);
  const object = sourceFor(env, id);
  const view = unwrap(
    await object.configure({
      id,
      type: d.type,
      name: d.name,
      settings: d.settings as Record<string, unknown>,
      backfillDays: d.backfillDays ?? null,
    }),
  );
  if (!(await config.addSource({ id, type: d.type, name: d.name, createdAt: now }))) {
    await object.remove();
    throw new ApiError(409, 'too_many_sources', `a deployment has at most ${MAX_SOURCES} sources`);
  }
  return view;
}

export async function listSources(env: Env): Promise<{ sources: SourceView[] }> {
  const refs = await configObject(env).listSources();
  const views = await Promise.all(refs.map((r) => sourceFor(env, r.id).describe()));
  return { sources: views.filter((v) => v !== null) };
}

export async function getSource(env: Env, id: string): Promise<SourceView> {
  const view = await sourceFor(env, id).describe();
  if (!view) throw new ApiError(404, 'not_found', 'no such source');
  return view;
}

export async function updateSource(env: Env, id: string, patch: unknown): Promise<SourceView> {
  const parsed = sourcePatchSchema.safeParse(patch);
  if (!parsed.success) throw new ApiError(400, 'invalid_source', 'the change is not valid', zodIssues(parsed.error));
  const view = unwrap(await sourceFor(env, id).update(parsed.data));
  if (parsed.data.name !== undefined) await configObject(env).renameSource(view.id, view.name);
  return view;
}

export async function deleteSource(env: Env, id: string): Promise<{ id: string; deleted: true }> {
  const object = sourceFor(env, id);
  if (!(await object.describe())) throw new ApiError(404, 'not_found', 'no such source');
  await object.remove();
  await configObject(env).removeSource(id);
  return { id, deleted: true };
}

export async function syncSource(env: Env, id: string) {
  return unwrap(await sourceFor(env, id).requestSync('manual'));
}

export async function sourceFields(env: Env, id: string) {
  return { fields: unwrap(await sourceFor(env, id).listFields()) };
}

/** Cron: every live source gets an alarm if it lost its own (the poll never stops by accident). */
export async function tickSources(env: Env): Promise<void> {
  const refs = await configObject(env).listSources();
  await Promise.all(
    refs.map((r) =>
      sourceById(env, r.id)
        .tick()
        .catch(() => undefined),
    ),
  );
}
