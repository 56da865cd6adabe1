// /api/conversions: the delivery log across destinations (collector/conversions/log.ts holds the
// query logic the admin shares).
import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import {
  getConversion,
  listConversions,
  retryConversion,
  type ConversionQuery,
  type LogResult,
} from '../conversions/log';
import type { RowStatus } from '../delivery/outbox';

export const conversions = new Hono<AppContext>();

function unwrap<T>(r: LogResult<T>): T {
  if (r.ok) return r.value;
  throw new ApiError(r.status, r.code, r.message);
}

conversions.get('/', async (c) => {
  const q = (name: string) => c.req.query(name) || undefined;
  const limit = q('limit');
  const query: ConversionQuery = {
    status: q('status') as RowStatus | undefined,
    audience: q('audience'),
    destination: q('destination'),
    email: q('email'),
    cursor: q('cursor'),
    limit: limit === undefined ? undefined : /^\d+$/.test(limit) ? Number(limit) : NaN,
  };
  return c.json(unwrap(await listConversions(c.env, query)));
});

conversions.get('/:id', async (c) => c.json(unwrap(await getConversion(c.env, c.req.param('id')))));

conversions.post('/:id/retry', async (c) => c.json(unwrap(await retryConversion(c.env, c.req.param('id')))));
