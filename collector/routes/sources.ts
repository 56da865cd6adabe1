// /api/sources: connect a CRM (HubSpot, Salesforce), read its sync status, change, pause, delete it,
// sync it now, and list the CRM's own fields. Each source is its own SourceObject (settings sealed
// there); the ConfigObject keeps the list of their ids.
import { Hono } from 'hono';
import type { AppContext, Env } from '../env';
import { ApiError } from '../http-error';
import { readJsonBody } from '../middleware/body';
import { zodIssues } from '../validation';
import { MAX_SOURCES } from '../objects/config';
import { SOURCE_ID, type Result, type SourceObject } from '../objects/source';
import { connectorFor } from '../sources/registry';
import { sourcePatchSchema, sourceSchema } from '../../shared/schemas/sources';
import { configObject, sourceById } from '../objects/doors';

export const sources = new Hono<AppContext>();

const MAX_BODY = 64 * 1024;

function objectFor(env: Env, id: string): SourceObject {
  if (!SOURCE_ID.test(id)) throw new ApiError(404, 'not_found', 'no such source');
  return sourceById(env, id);
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const status = r.code === 'not_found' ? 404 : r.code === 'conflict' || r.code === 'source_paused' ? 409 : r.code.startsWith('source_') && r.code !== 'source_not_available' && r.code !== 'source_config' ? 502 : 400;
  throw new ApiError(status, r.code, r.message, r.issues);
}

sources.post('/', async (c) => {
  const raw = await readJsonBody(c, MAX_BODY);
  const type = (raw as { type?: unknown })?.type;
  if ((type === 'hubspot' || type === 'salesforce') && !connectorFor(type)) throw new ApiError(400, 'source_not_available', `${type} sources are not available in this version`);
  const parsed = sourceSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid_source', 'the source is not valid', zodIssues(parsed.error));
  const id = `src_${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const d = parsed.data;
  const config = configObject(c.env);
  if ((await config.listSources()).length >= MAX_SOURCES) throw new ApiError(409, 'too_many_sources', `a deployment has at most ${MAX_SOURCES} sources`);
  const object = objectFor(c.env, id);
  const view = unwrap(await object.configure({ id, type: d.type, name: d.name, settings: d.settings as Record<string, unknown>, backfillDays: d.backfillDays ?? null }));
  if (!(await config.addSource({ id, type: d.type, name: d.name, createdAt: c.get('now') }))) {
    await object.remove();
    throw new ApiError(409, 'too_many_sources', `a deployment has at most ${MAX_SOURCES} sources`);
  }
  return c.json(view, 201);
});

sources.get('/', async (c) => {
  const refs = await configObject(c.env).listSources();
  const views = await Promise.all(refs.map((r) => objectFor(c.env, r.id).describe()));
  return c.json({ sources: views.filter((v) => v !== null) });
});

sources.get('/:id', async (c) => {
  const view = await objectFor(c.env, c.req.param('id')).describe();
  if (!view) throw new ApiError(404, 'not_found', 'no such source');
  return c.json(view);
});

sources.patch('/:id', async (c) => {
  const parsed = sourcePatchSchema.safeParse(await readJsonBody(c, MAX_BODY));
  if (!parsed.success) throw new ApiError(400, 'invalid_source', 'the change is not valid', zodIssues(parsed.error));
  const view = unwrap(await objectFor(c.env, c.req.param('id')).update(parsed.data));
  if (parsed.data.name !== undefined) await configObject(c.env).renameSource(view.id, view.name);
  return c.json(view);
});

sources.delete('/:id', async (c) => {
  const id = c.req.param('id');
  const object = objectFor(c.env, id);
  if (!(await object.describe())) throw new ApiError(404, 'not_found', 'no such source');
  await object.remove();
  await configObject(c.env).removeSource(id);
  return c.json({ id, deleted: true });
});

sources.post('/:id/sync', async (c) => {
  return c.json(unwrap(await objectFor(c.env, c.req.param('id')).requestSync('manual')), 202);
});

sources.get('/:id/fields', async (c) => {
  return c.json({ fields: unwrap(await objectFor(c.env, c.req.param('id')).listFields()) });
});

/** Cron: every live source gets an alarm if it lost its own (the poll never stops by accident). */
export async function tickSources(env: Env): Promise<void> {
  const refs = await configObject(env).listSources();
  await Promise.all(refs.map((r) => sourceById(env, r.id).tick().catch(() => undefined)));
}
