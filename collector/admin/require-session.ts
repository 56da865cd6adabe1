import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { adminKeyStillValid } from './admin-key';
import { SESSION_COOKIE, type AdminContext } from './context';
import { csrfToken, readSession } from './session';

/**
 * Pages behind sign-in: a valid, unexpired session opened with a key that still has the admin
 * scope. Reads go to the sign-in page (and come back after); anything else is refused.
 */
export function requireSession(): MiddlewareHandler<AdminContext> {
  return async function requireSessionMiddleware(c, next) {
    const session = await readSession(c.env, getCookie(c, SESSION_COOKIE), c.var.now);
    if (!session || !(await adminKeyStillValid(c.env, session.keyTag))) {
      if (session) deleteCookie(c, SESSION_COOKIE, { path: c.var.base, secure: true });
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        const back = url.pathname + url.search;
        return c.redirect(`${c.var.base}/sign-in?next=${encodeURIComponent(back)}`, 303);
      }
      return c.text('Your session has ended. Sign in again.', 401);
    }
    c.set('session', session);
    c.set('csrf', await csrfToken(c.env, session));
    await next();
  };
}
