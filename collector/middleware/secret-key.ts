import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { secretEquals } from '../security/constant-time';

/**
 * Requires `Authorization: Bearer <secret key>`. A deployment without a configured secret refuses
 * the API outright rather than opening it.
 */
export function requireSecretKey(): MiddlewareHandler<AppContext> {
  return async function requireSecretKeyMiddleware(c, next) {
    const expected = c.env.SECRET_KEY;
    if (!expected || !c.env.IDENTITY_SECRET) {
      throw new ApiError(503, 'not_configured', 'this deployment has no secret key configured; set SECRET_KEY and IDENTITY_SECRET');
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <secret key>', undefined, { 'www-authenticate': 'Bearer' });
    if (!(await secretEquals(match[1], expected))) throw new ApiError(401, 'unauthorized', 'invalid secret key', undefined, { 'www-authenticate': 'Bearer' });
    await next();
  };
}
