import { Hono } from 'hono';
import type { AppContext } from './env';
import { admin } from './routes/admin';
import { ApiError, errorBody } from './http-error';
import { requireSecretKey } from './middleware/secret-key';
import { alerts } from './routes/api/alerts';
import { identityMapping } from './routes/api/identity-mapping';
import { status } from './routes/api/status';
import { coverage } from './routes/api/coverage';
import { exportRoutes } from './routes/api/export';
import { audiences } from './routes/api/audiences';
import { collect } from './routes/collect';
import { conversions } from './routes/conversions';
import { destinations } from './routes/destinations';
import { sources } from './routes/sources';
import { sourceWebhooks } from './routes/source-webhooks';
import { sourceOAuth } from './routes/source-oauth';
import { demo } from './routes/demo';
import { install } from './routes/install';
import { people } from './routes/people';
import { peopleIngest } from './routes/people-ingest';
import { serverIdentify } from './routes/identify';
import { jobs } from './routes/jobs';
import { keys } from './routes/api/keys';
import { ladders } from './routes/api/ladders';
import { segment } from './routes/segment';
import { tag } from './routes/tag';
import { normalizeBasePath } from './snippet';
import { VERSION } from './version';
import { logUnhandled } from './log-error';

export function createApp(basePath: string | undefined) {
  const routes = new Hono<AppContext>();
  routes.use('*', async function clock(c, next) {
    c.set('now', Date.now());
    await next();
  });
  routes.get('/healthz', (c) => c.json({ ok: true, version: VERSION }));
  routes.route('/admin', admin);
  routes.route('/', tag);
  routes.route('/', collect);
  routes.route('/', demo);
  routes.route('/', peopleIngest);
  routes.route('/', serverIdentify);
  routes.route('/', segment);
  routes.route('/', sourceWebhooks);
  routes.route('/', sourceOAuth);
  // Job progress is readable with an ingest key (the one that started it); the rest of /api is admin.
  routes.use('/api/jobs/*', requireSecretKey('ingest'));
  routes.route('/api/jobs', jobs);
  routes.use('/api/*', async function adminOnly(c, next) {
    if (c.var.keyScope) return next();
    return requireSecretKey('admin')(c, next);
  });
  routes.route('/api/install', install);
  routes.route('/api/people', people);
  routes.route('/api/keys', keys);
  routes.route('/api/audiences', audiences);
  routes.route('/api/destinations', destinations);
  routes.route('/api/sources', sources);
  routes.route('/api/conversions', conversions);
  routes.route('/api/alerts', alerts);
  routes.route('/api/ladders', ladders);
  routes.route('/api/identity-mapping', identityMapping);
  routes.route('/api/status', status);
  routes.route('/api/coverage', coverage);
  routes.route('/api/export', exportRoutes);

  const app = new Hono<AppContext>();
  app.route(normalizeBasePath(basePath) || '/', routes);
  app.notFound((c) =>
    c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message, err.issues), err.status, err.headers);
    }
    // Never echo internals: the message may hold user data. The stack goes to the log without it.
    logUnhandled('unhandled error', err);
    return c.json(errorBody('internal_error', 'internal error'), 500);
  });
  return app;
}

const apps = new Map<string, ReturnType<typeof createApp>>();

/** The app for a BASE_PATH, built once per isolate. */
export function appFor(basePath: string | undefined) {
  const key = normalizeBasePath(basePath);
  let app = apps.get(key);
  if (!app) {
    app = createApp(key);
    apps.set(key, app);
  }
  return app;
}
