import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { collectorUrl, renderSnippet } from '../snippet';

export const install = new Hono<AppContext>();

install.get('/', (c) => {
  const key = c.env.PUBLISHABLE_KEY;
  if (!key) throw new ApiError(503, 'not_configured', 'this deployment has no publishable key configured');
  const base = collectorUrl(c.req.url, c.env.BASE_PATH);
  return c.json({ publishableKey: key, tagUrl: `${base}/v1/tag.js`, snippet: renderSnippet(key, base) });
});
