// /api/destinations: list, create, read, change, delete a destination, send one test event, read its
// delivery log and retry a failed conversion. The logic is the destinations service
// (services/destinations.ts), which the admin pages use too; this file reads requests and answers.
import { Hono, type Context } from 'hono';
import { parseJsonBytes, readJsonBody, readRawBody } from '../middleware/body';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import type { RowStatus } from '../delivery/outbox';
import { listConversions } from '../conversions/log';
import {
  createDestination,
  deleteDestination,
  destinationFor,
  getDestination,
  listDestinations,
  retryConversion,
  testDestination,
  updateDestination,
} from '../services/destinations';

export const destinations = new Hono<AppContext>();

// A destination is a few hundred bytes: anything past this is refused before it is read whole.
const MAX_BODY = 64 * 1024;

function jsonBody(c: Context<AppContext>): Promise<unknown> {
  return readJsonBody(c, MAX_BODY);
}

destinations.post('/', async (c) => c.json(await createDestination(c.env, await jsonBody(c), c.get('now')), 201));

/** Every live destination, settings masked, with its conversion counts by status. */
destinations.get('/', async (c) => c.json(await listDestinations(c.env)));

destinations.get('/:id', async (c) => c.json(await getDestination(c.env, c.req.param('id'))));

destinations.patch('/:id', async (c) => c.json(await updateDestination(c.env, c.req.param('id'), await jsonBody(c))));

destinations.delete('/:id', async (c) => c.json(await deleteDestination(c.env, c.req.param('id'), c.get('now'))));

destinations.post('/:id/test', async (c) => {
  const bytes = await readRawBody(c, MAX_BODY);
  const body: unknown = bytes.length ? parseJsonBytes(bytes) : {};
  return c.json(await testDestination(c.env, c.req.param('id'), body, c.get('now')));
});

/** This destination's part of the delivery log (the same rows as /api/conversions?destination=). */
destinations.get('/:id/conversions', async (c) => {
  const id = c.req.param('id');
  destinationFor(c.env, id);
  const limit = c.req.query('limit');
  const r = await listConversions(c.env, {
    destination: id,
    status: (c.req.query('status') || undefined) as RowStatus | undefined,
    cursor: c.req.query('cursor') || undefined,
    limit: limit === undefined ? undefined : /^\d+$/.test(limit) ? Number(limit) : NaN,
  });
  if (!r.ok) throw new ApiError(r.status, r.code, r.message);
  return c.json({ conversions: r.value.conversions, next: r.value.cursor });
});

destinations.post('/:id/conversions/:cid/retry', async (c) => {
  return c.json(await retryConversion(c.env, c.req.param('id'), c.req.param('cid')));
});
