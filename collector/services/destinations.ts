// Destinations as one service: create, read, change, delete, test and retry, used alike by
// /api/destinations (routes/destinations.ts) and the admin pages (admin/destinations-api.ts), so the
// form and the API validate, seal, index and answer the same way. Each destination is its own
// DestinationObject (settings sealed there); the ConfigObject keeps the list of their ids
// (config-destinations.ts). Failures are ApiErrors, which the API maps to its error body.
import type { Env } from '../env';
import { ApiError } from '../http-error';
import { zodIssues } from '../validation';
import type { DestinationObject } from '../objects/destination';
import { DESTINATION_ID, type DestinationView, type Result } from '../objects/destination-types';
import { destinationPatchSchema, destinationSchema, destinationTestSchema } from '../../shared/schemas/destinations';
import { normalizeEmail } from '../../shared/normalize';
import { MAX_DESTINATIONS } from '../objects/config-destinations';
import { invalidateAudienceConfig } from '../audiences/config-cache';
import { startPopulate } from '../audiences/populate';
import { configObject, destinationById } from '../objects/doors';
import { randomHex } from '../../shared/hex';

/** The object of a destination id the API made; any other id is not found. */
export function destinationFor(env: Env, id: string): DestinationObject {
  if (!DESTINATION_ID.test(id)) throw new ApiError(404, 'not_found', 'no such destination');
  return destinationById(env, id);
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const status = r.code === 'not_found' || r.code === 'not_configured' ? 404 : r.code === 'conflict' ? 409 : 400;
  throw new ApiError(status, r.code, r.message, r.issues);
}

export async function createDestination(env: Env, body: unknown, now: number): Promise<DestinationView> {
  const parsed = destinationSchema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_destination', 'the destination is not valid', zodIssues(parsed.error));
  const id = `dst_${randomHex(8)}`;
  const d = parsed.data;
  const object = destinationFor(env, id);
  const view = unwrap(
    await object.configure({
      id,
      name: d.name,
      type: d.type,
      mode: d.mode,
      settings: d.settings,
      endpoint: d.endpoint,
      tokenEndpoint: d.tokenEndpoint,
    }),
  );
  if (!(await configObject(env).addDestination({ id, type: d.type, name: view.name }, now))) {
    await object.remove();
    throw new ApiError(409, 'too_many_destinations', `a deployment has at most ${MAX_DESTINATIONS} destinations`);
  }
  return view;
}

/** Every live destination, settings masked, with its conversion counts by status. */
export async function listDestinations(env: Env): Promise<{ destinations: DestinationView[] }> {
  const refs = await configObject(env).listDestinations();
  const views = await Promise.all(refs.map((r) => destinationFor(env, r.id).describe()));
  return { destinations: views.filter((v) => v !== null) };
}

export async function getDestination(env: Env, id: string): Promise<DestinationView> {
  const view = await destinationFor(env, id).describe();
  if (!view) throw new ApiError(404, 'not_found', 'no such destination');
  return view;
}

export async function updateDestination(env: Env, id: string, patch: unknown): Promise<DestinationView> {
  const parsed = destinationPatchSchema.safeParse(patch);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_destination', 'the change is not valid', zodIssues(parsed.error));
  const view = unwrap(await destinationFor(env, id).update(parsed.data));
  if (parsed.data.name !== undefined) await configObject(env).renameDestination(view.id, view.name);
  return view;
}

export async function deleteDestination(env: Env, id: string, now: number) {
  const d = destinationFor(env, id);
  if (!(await d.describe())) throw new ApiError(404, 'not_found', 'no such destination');
  const removed = await d.remove();
  // Still listed as deleted: /api/conversions keeps showing its log. The conversions sending to it
  // go with it (a new one to it is refused), and each of their audiences is swept as when a
  // conversion is turned off: its people's unsent rows become `cancelled` instead of waiting for ever.
  const config = configObject(env);
  const turnedOff = await config.markDestinationDeleted(id, now);
  if (turnedOff.length) {
    invalidateAudienceConfig();
    for (const audienceId of new Set(turnedOff.map((cv) => cv.audienceId))) {
      const audience = await config.getAudience(audienceId);
      if (audience) await startPopulate(env, audience.id, audience.version, 'conversion', now);
    }
  }
  return {
    ...removed,
    conversionsTurnedOff: turnedOff.map((cv) => ({ audienceId: cv.audienceId, conversionId: cv.id })),
  };
}

/** One test event through the destination's real request (test mode or not, as configured). */
export async function testDestination(env: Env, id: string, body: unknown, now: number) {
  const parsed = destinationTestSchema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_test', 'the test request is not valid', zodIssues(parsed.error));
  const email = normalizeEmail(parsed.data.email ?? 'test@example.com');
  if (!email) throw new ApiError(400, 'invalid_test', 'email is not a valid address');
  const eventId = `test${now.toString(16)}`.padEnd(32, '0').slice(0, 32);
  const touches = (parsed.data.touches ?? []).map((t) => ({ ...t, firstSeen: now - 60_000 }));
  return unwrap(
    await destinationFor(env, id).sendTest({
      id: eventId,
      eventTime: Math.floor(now / 1000),
      email,
      touches,
      devices: [],
      attributes: {},
      conversion: {},
    }),
  );
}

export async function retryConversion(env: Env, id: string, conversionId: string) {
  return unwrap(await destinationFor(env, id).retry(conversionId));
}
