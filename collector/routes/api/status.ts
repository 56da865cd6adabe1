// GET /api/status: what an operator (and `npm run smoke`) checks beyond liveness: the version and
// when the cron trigger last ran. /healthz stays free of object reads.
import { Hono } from 'hono';
import type { AppContext } from '../../env';
import { VERSION } from '../../version';
import { configObject } from '../../objects/doors';

export const LAST_SCHEDULED_SETTING = 'last_scheduled_at';

export const status = new Hono<AppContext>();

status.get('/', async (c) => {
  const last = (await configObject(c.env).setting(LAST_SCHEDULED_SETTING)) as string | null;
  return c.json({ version: VERSION, lastScheduledAt: last ? Number(last) : null });
});
