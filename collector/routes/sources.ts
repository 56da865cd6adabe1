// /api/sources: connect a CRM (HubSpot, Salesforce), read its sync status, change, pause, delete it,
// sync it now, and list the CRM's own fields. The logic is the sources service
// (services/sources.ts), which the admin pages use too; this file reads requests and answers.
import { Hono } from 'hono';
import type { AppContext } from '../env';
import { readJsonBody } from '../middleware/body';
import {
  createSource,
  deleteSource,
  getSource,
  listSources,
  sourceFields,
  syncSource,
  updateSource,
} from '../services/sources';

export const sources = new Hono<AppContext>();

const MAX_BODY = 64 * 1024;

sources.post('/', async (c) => c.json(await createSource(c.env, await readJsonBody(c, MAX_BODY), c.get('now')), 201));

sources.get('/', async (c) => c.json(await listSources(c.env)));

sources.get('/:id', async (c) => c.json(await getSource(c.env, c.req.param('id'))));

sources.patch('/:id', async (c) =>
  c.json(await updateSource(c.env, c.req.param('id'), await readJsonBody(c, MAX_BODY))),
);

sources.delete('/:id', async (c) => c.json(await deleteSource(c.env, c.req.param('id'))));

sources.post('/:id/sync', async (c) => c.json(await syncSource(c.env, c.req.param('id')), 202));

sources.get('/:id/fields', async (c) => c.json(await sourceFields(c.env, c.req.param('id'))));
