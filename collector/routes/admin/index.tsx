import { Hono, type Context } from 'hono';
import { exportRoutes } from '../api/export';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie } from 'hono/cookie';
import { ADMIN_CSS, ADMIN_JS } from '../../admin/assets';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { SESSION_COOKIE, type AdminContext } from '../../admin/context';
import { csrfGuard } from '../../admin/csrf-guard';
import { requireSession } from '../../admin/require-session';
import { adminSecurityHeaders } from '../../admin/security-headers';
import { ApiError } from '../../http-error';
import { normalizeBasePath } from '../../snippet';
import { MAX_PEOPLE_BYTES } from '../../../shared/schemas/people';
import { changeLogPages } from './change-log';
import { conversionsPages } from './conversions';
import { overviewPage } from './overview';
import { destinationsPages } from './destinations';
import { sourcesPages } from './sources';
import { sourceConnectPages } from './source-connect';
import { audiencesPages } from './audiences';
import { installPage } from './install';
import { keysPages } from './keys';
import { laddersPages } from './ladders';
import { identityPages } from './identity';
import { peoplePages } from './people';
import { peopleUploadPages } from './people-upload';
import { signIn } from './sign-in';
import { viewOf } from './view';
import { logUnhandled } from '../../log-error';

/** The admin UI, mounted at /admin: server-rendered pages behind a signed session. */
export const admin = new Hono<AdminContext>();

admin.use('*', adminSecurityHeaders());
admin.use('*', async function adminContext(c, next) {
  if (c.var.now === undefined) c.set('now', Date.now());
  c.set('base', `${normalizeBasePath(c.env.BASE_PATH)}/admin`);
  c.set('session', null);
  c.set('csrf', '');
  await next();
});
// Forms are small; a people upload carries a CSV of up to MAX_PEOPLE_BYTES.
const formLimit = bodyLimit({ maxSize: 64 * 1024, onError: tooLarge });
const uploadLimit = bodyLimit({ maxSize: MAX_PEOPLE_BYTES + 64 * 1024, onError: tooLarge });
function tooLarge(): never {
  throw new ApiError(413, 'payload_too_large', 'That form is too large.');
}
admin.use('*', async function adminBodyLimit(c, next) {
  return (c.req.path === `${c.var.base}/people/upload` ? uploadLimit : formLimit)(c, next);
});

const ASSET_CACHE = 'public, max-age=31536000, immutable';
admin.get('/assets/admin.css', (c) =>
  c.body(ADMIN_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': ASSET_CACHE }),
);
admin.get('/assets/admin.js', (c) =>
  c.body(ADMIN_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': ASSET_CACHE }),
);

admin.route('/', signIn);

// Everything below needs a session, and every state change a CSRF token.
admin.use('*', requireSession());
admin.use('*', csrfGuard());

admin.get('/', (c) => c.redirect(`${c.var.base}/overview`, 303));
admin.post('/sign-out', (c) => {
  deleteCookie(c, SESSION_COOKIE, { path: c.var.base, secure: true });
  return c.redirect(`${c.var.base}/sign-in?signed-out`, 303);
});
admin.route('/people', peopleUploadPages);
admin.route('/people', peoplePages);
admin.route('/audiences', audiencesPages);
admin.route('/ladders', laddersPages);
admin.route('/install', installPage);
admin.route('/keys', keysPages);
admin.route('/change-log', changeLogPages);
// The change log's first address: kept working for bookmarks.
admin.get('/audit', (c) => c.redirect(`${c.var.base}/change-log${new URL(c.req.url).search}`, 301));
admin.route('/conversions', conversionsPages);
admin.route('/overview', overviewPage);
admin.route('/destinations', destinationsPages);
admin.route('/identity', identityPages);
// The same streamed exports as /api/export, behind the admin session.
admin.route('/export', exportRoutes as unknown as Hono<AdminContext>);
admin.route('/sources', sourceConnectPages);
admin.route('/sources', sourcesPages);

admin.all('*', (c) => {
  // Mounted at /admin, the sub-app's '/' is /admin itself; /admin/ lands here.
  if (c.req.path === `${c.var.base}/` && c.req.method === 'GET') return c.redirect(`${c.var.base}/overview`, 303);
  return errorPage(c, 404, 'Not found', 'There is no admin page at this address.');
});

admin.onError((err, c) => {
  if (err instanceof ApiError) {
    const status =
      err.status === 401 || err.status === 403 || err.status === 404 || err.status === 413 || err.status === 429
        ? err.status
        : 400;
    return errorPage(c, status, status === 403 ? 'Refused' : 'Something is wrong with that request', err.message);
  }
  // Never show internals: the message may hold user data. The stack goes to the log without it.
  logUnhandled('admin error', err);
  return errorPage(
    c,
    500,
    'Something went wrong',
    'The admin could not finish that. Nothing was changed by the failed step; try again, and check the Worker logs if it keeps failing.',
  );
});

function errorPage(
  c: Context<AdminContext>,
  status: 400 | 401 | 403 | 404 | 413 | 429 | 500,
  title: string,
  message: string,
) {
  return c.html(
    <Layout title={title} view={viewOf(c)}>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href={c.var.session ? `${c.var.base}/` : `${c.var.base}/sign-in`}>Back to the admin</a>
      </p>
    </Layout>,
    status,
  );
}
