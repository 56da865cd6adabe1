import { Hono } from 'hono';
import type { AppContext } from '../env';
import { TAG_JS, TAG_SEND_JS, TAG_SEND_VERSION, TAG_VERSION } from '../generated/tag-assets';

export const tag = new Hono<AppContext>();

const JS = { 'content-type': 'application/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' };

tag.get('/v1/tag.js', (c) => {
  // Short cache: a new tag reaches every page within minutes; the ETag makes revalidation cheap.
  const etag = `"${TAG_VERSION}"`;
  if (c.req.header('if-none-match') === etag) return c.body(null, 304);
  return c.body(TAG_JS, 200, { ...JS, 'cache-control': 'public, max-age=300', etag });
});

// The tag's sender, loaded by tag.js as /v1/tag-send.js?v=<its hash>: that URL never changes content,
// so it caches for a year (another version is another URL). Without the right hash, a short cache.
tag.get('/v1/tag-send.js', (c) => {
  const current = c.req.query('v') === TAG_SEND_VERSION;
  return c.body(TAG_SEND_JS, 200, {
    ...JS,
    'cache-control': current ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
  });
});
