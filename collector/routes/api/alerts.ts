// /api/alerts: where alerts go (a signed webhook), read masked, set, removed, and tried once.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { readJsonBody } from '../../middleware/body';
import { zodIssues } from '../../validation';
import { DEFAULT_SILENT_MINUTES, readAlertConfig, saveAlertConfig } from '../../alerts/config';
import { sendAlert } from '../../alerts/webhook';
import { endpointIssue, endpointPolicy } from '../../security/custom-endpoints';

export const alerts = new Hono<AppContext>();

const alertSchema = z.strictObject({
  url: z.string().trim().max(2000),
  secret: z.string().min(16, 'at least 16 characters').max(256),
  silentMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .optional(),
});

alerts.get('/', async (c) => {
  const cfg = await readAlertConfig(c.env);
  return c.json(
    cfg
      ? { url: cfg.url, secret: '****', silentMinutes: cfg.silentMinutes }
      : { url: null, secret: null, silentMinutes: null },
  );
});

alerts.put('/', async (c) => {
  const parsed = alertSchema.safeParse(await readJsonBody(c, 16 * 1024));
  if (!parsed.success)
    throw new ApiError(400, 'invalid_alerts', 'body must be {url, secret, silentMinutes?}', zodIssues(parsed.error));
  // The webhook receives alert bodies, not credentials, but the same rules keep it off internal hosts in production.
  const issue = endpointIssue(parsed.data.url, endpointPolicy(c.env) === 'local' ? 'local' : 'public');
  if (issue) throw new ApiError(400, 'invalid_alerts', `url: ${issue}`, [{ path: 'url', message: issue }]);
  const cfg = {
    url: parsed.data.url,
    secret: parsed.data.secret,
    silentMinutes: parsed.data.silentMinutes ?? DEFAULT_SILENT_MINUTES,
  };
  await saveAlertConfig(c.env, cfg);
  return c.json({ url: cfg.url, secret: '****', silentMinutes: cfg.silentMinutes });
});

alerts.delete('/', async (c) => {
  await saveAlertConfig(c.env, null);
  return c.json({ deleted: true });
});

alerts.post('/test', async (c) => {
  const cfg = await readAlertConfig(c.env);
  if (!cfg) throw new ApiError(404, 'not_configured', 'no alert webhook is set');
  return c.json(await sendAlert(cfg, { kind: 'test', message: 'test alert from open-conversions', at: c.get('now') }));
});
