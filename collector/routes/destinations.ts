// /api/destinations: list, create, read, change, delete a destination, send one test event, read its
// delivery log and retry a failed conversion. Each destination is its own DestinationObject
// (settings sealed there); the ConfigObject keeps the list of their ids (config-destinations.ts).
import { Hono, type Context } from 'hono';
import { parseJsonBytes, readJsonBody, readRawBody } from '../middleware/body';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { zodIssues } from '../validation';
import type { RowStatus } from '../delivery/outbox';
import { listConversions } from '../conversions/log';
import { DESTINATION_ID, type DestinationObject, type Result } from '../objects/destination';
import { destinationPatchSchema, destinationSchema, destinationTestSchema } from '../../shared/schemas/destinations';
import { normalizeEmail } from '../../shared/normalize';
import { MAX_DESTINATIONS } from '../objects/config-destinations';
import { invalidateAudienceConfig } from '../audiences/config-cache';
import { startPopulate } from '../audiences/populate';
import { configObject, destinationById } from '../objects/doors';

export const destinations = new Hono<AppContext>();

function objectFor(env: AppContext['Bindings'], id: string): DestinationObject {
  if (!DESTINATION_ID.test(id)) throw new ApiError(404, 'not_found', 'no such destination');
  return destinationById(env, id);
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const status = r.code === 'not_found' || r.code === 'not_configured' ? 404 : r.code === 'conflict' ? 409 : 400;
  throw new ApiError(status, r.code, r.message, r.issues);
}

// A destination is a few hundred bytes: anything past this is refused before it is read whole.
const MAX_BODY = 64 * 1024;

function jsonBody(c: Context<AppContext>): Promise<unknown> {
  return readJsonBody(c, MAX_BODY);
}

destinations.post('/', async (c) => {
  const parsed = destinationSchema.safeParse(await jsonBody(c));
  if (!parsed.success) throw new ApiError(400, 'invalid_destination', 'the destination is not valid', zodIssues(parsed.error));
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `dst_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const d = parsed.data;
  const object = objectFor(c.env, id);
  const view = unwrap(await object.configure({ id, name: d.name, type: d.type, mode: d.mode, settings: d.settings, endpoint: d.endpoint, tokenEndpoint: d.tokenEndpoint }));
  if (!(await configObject(c.env).addDestination({ id, type: d.type, name: view.name }, c.get('now')))) {
    await object.remove();
    throw new ApiError(409, 'too_many_destinations', `a deployment has at most ${MAX_DESTINATIONS} destinations`);
  }
  return c.json(view, 201);
});

/** Every live destination, settings masked, with its conversion counts by status. */
destinations.get('/', async (c) => {
  const refs = await configObject(c.env).listDestinations();
  const views = await Promise.all(refs.map((r) => objectFor(c.env, r.id).describe()));
  return c.json({ destinations: views.filter((v) => v !== null) });
});

destinations.get('/:id', async (c) => {
  const view = await objectFor(c.env, c.req.param('id')).describe();
  if (!view) throw new ApiError(404, 'not_found', 'no such destination');
  return c.json(view);
});

destinations.patch('/:id', async (c) => {
  const parsed = destinationPatchSchema.safeParse(await jsonBody(c));
  if (!parsed.success) throw new ApiError(400, 'invalid_destination', 'the change is not valid', zodIssues(parsed.error));
  const view = unwrap(await objectFor(c.env, c.req.param('id')).update(parsed.data));
  if (parsed.data.name !== undefined) await configObject(c.env).renameDestination(view.id, view.name);
  return c.json(view);
});

destinations.delete('/:id', async (c) => {
  const d = objectFor(c.env, c.req.param('id'));
  if (!(await d.describe())) throw new ApiError(404, 'not_found', 'no such destination');
  const removed = await d.remove();
  // Still listed as deleted: /api/conversions keeps showing its log. The conversions sending to it
  // go with it (a new one to it is refused), and each of their audiences is swept as when a
  // conversion is turned off: its people's unsent rows become `cancelled` instead of waiting for ever.
  const now = c.get('now');
  const config = configObject(c.env);
  const turnedOff = await config.markDestinationDeleted(c.req.param('id'), now);
  if (turnedOff.length) {
    invalidateAudienceConfig();
    for (const audienceId of new Set(turnedOff.map((cv) => cv.audienceId))) {
      const audience = await config.getAudience(audienceId);
      if (audience) await startPopulate(c.env, audience.id, audience.version, 'conversion', now);
    }
  }
  return c.json({ ...removed, conversionsTurnedOff: turnedOff.map((cv) => ({ audienceId: cv.audienceId, conversionId: cv.id })) });
});

destinations.post('/:id/test', async (c) => {
  const bytes = await readRawBody(c, MAX_BODY);
  const body: unknown = bytes.length ? parseJsonBytes(bytes) : {};
  const parsed = destinationTestSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, 'invalid_test', 'the test request is not valid', zodIssues(parsed.error));
  const email = normalizeEmail(parsed.data.email ?? 'test@example.com');
  if (!email) throw new ApiError(400, 'invalid_test', 'email is not a valid address');
  const now = c.get('now');
  const id = `test${now.toString(16)}`.padEnd(32, '0').slice(0, 32);
  const touches = (parsed.data.touches ?? []).map((t) => ({ ...t, firstSeen: now - 60_000 }));
  const result = unwrap(await objectFor(c.env, c.req.param('id')).sendTest({ id, eventTime: Math.floor(now / 1000), email, touches, devices: [], attributes: {}, conversion: {} }));
  return c.json(result);
});

/** This destination's part of the delivery log (the same rows as /api/conversions?destination=). */
destinations.get('/:id/conversions', async (c) => {
  const id = c.req.param('id');
  objectFor(c.env, id);
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
  return c.json(unwrap(await objectFor(c.env, c.req.param('id')).retry(c.req.param('cid'))));
});
