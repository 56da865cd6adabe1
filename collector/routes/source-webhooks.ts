// POST /sources/hubspot/{id}/webhook: HubSpot's webhook deliveries (contact changes) for one
// source. No API key: the v3 signature under the app's client secret is the authentication,
// checked inside the source's object. Answers 200 quickly; the contacts named are read and applied.
import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { readRawBody } from '../middleware/body';
import { SOURCE_ID } from '../objects/source';
import { sourceById } from '../objects/doors';

export const sourceWebhooks = new Hono<AppContext>();

// HubSpot sends at most 100 events a request, a few hundred bytes each.
const MAX_BODY = 256 * 1024;

sourceWebhooks.post('/sources/hubspot/:id/webhook', async (c) => {
  const id = c.req.param('id');
  if (!SOURCE_ID.test(id)) throw new ApiError(404, 'not_found', 'no such source');
  const body = new TextDecoder().decode(await readRawBody(c, MAX_BODY));
  const r = await sourceById(c.env, id).hubspotWebhook({
    method: c.req.method,
    // The URI HubSpot signed: the full URL it called, as this request arrived.
    uri: c.req.url,
    body,
    timestamp: c.req.header('x-hubspot-request-timestamp'),
    signature: c.req.header('x-hubspot-signature-v3'),
  });
  if (!r.ok)
    throw new ApiError(r.code === 'not_found' ? 404 : r.code === 'invalid_signature' ? 401 : 400, r.code, r.message);
  return c.json(r.value);
});
