import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../http-error';
import type { AdminContext } from './context';
import { csrfValid } from './session';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every state change carries the session's CSRF token in the `_csrf` form field (compared in
 * constant time) and, when the browser says where it comes from, comes from the admin's own origin.
 */
export function csrfGuard(): MiddlewareHandler<AdminContext> {
  return async function csrfGuardMiddleware(c, next) {
    if (SAFE.has(c.req.method)) return next();
    assertSameOrigin(c.req.header('origin'), c.req.url);
    const session = c.var.session;
    const form = await c.req.parseBody({ all: false });
    if (!session || !(await csrfValid(c.env, session, form._csrf))) {
      throw new ApiError(
        403,
        'csrf_failed',
        'This form has expired or did not come from this admin. Reload the page and try again.',
      );
    }
    await next();
  };
}

export function assertSameOrigin(origin: string | undefined, requestUrl: string): void {
  if (origin !== undefined && origin !== new URL(requestUrl).origin) {
    throw new ApiError(403, 'cross_origin', 'This request came from another site and was refused.');
  }
}
