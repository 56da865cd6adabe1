import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { readJsonBody } from '../../middleware/body';
import { invalidateKeyCache } from '../../keys';
import type { ApiKeyRecord } from '../../objects/config-keys';
import { zodIssues } from '../../validation';
import { configObject } from '../../objects/doors';

export const keys = new Hono<AppContext>();

const origin = z
  .string()
  .regex(
    /^https?:\/\/[a-z0-9*.-]+(:(\d{1,5}|\*))?$/i,
    'an origin such as https://example.com, https://*.example.com or http://localhost:*',
  );
const newKeySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('secret'),
    scope: z.enum(['ingest', 'admin']),
    name: z.string().max(100).optional(),
  }),
  z.strictObject({
    type: z.literal('publishable'),
    origins: z.array(origin).min(1).max(50),
    name: z.string().max(100).optional(),
  }),
]);

// The hash stays inside: a listing shows what a key is for, never anything that identifies it.
function publicKey({ hash: _hash, ...rest }: ApiKeyRecord) {
  return rest;
}

keys.get('/', async (c) => {
  const list = (await configObject(c.env).listKeys()) as ApiKeyRecord[];
  return c.json({ keys: list.map(publicKey) });
});

/** Mints a key. Its clear value is in this response only. */
keys.post('/', async (c) => {
  const parsed = newKeySchema.safeParse(await readJsonBody(c, 16 * 1024));
  if (!parsed.success)
    throw new ApiError(
      400,
      'invalid_request',
      'body must be {type: "secret", scope} or {type: "publishable", origins}',
      zodIssues(parsed.error),
    );
  const { key, record } = (await configObject(c.env).createKey(parsed.data, c.get('now'))) as {
    key: string;
    record: ApiKeyRecord;
  };
  invalidateKeyCache();
  return c.json({ key, ...publicKey(record) }, 201);
});

keys.delete('/:id', async (c) => {
  if (!(await configObject(c.env).revokeKey(c.req.param('id'), c.get('now'))))
    throw new ApiError(404, 'not_found', 'no such active key');
  invalidateKeyCache();
  return c.json({ id: c.req.param('id'), revoked: true });
});
