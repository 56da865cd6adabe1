import { Hono } from 'hono';
import type { AppContext } from '../env';
import { TAG_JS, TAG_VERSION } from '../generated/tag-assets';

export const tag = new Hono<AppContext>();

tag.get('/v1/tag.js', (c) => {
  // Short cache: a new tag reaches every page within minutes; the ETag makes revalidation cheap.
  const etag = `"${TAG_VERSION}"`;
  if (c.req.header('if-none-match') === etag) return c.body(null, 304);
  return c.body(TAG_JS, 200, {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    etag,
    'x-content-type-options': 'nosniff',
  });
});
