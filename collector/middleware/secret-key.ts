import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { resolveSecretKey } from '../keys';
import type { KeyScope } from '../objects/config-keys';

/**
 * Requires `Authorization: Bearer <secret key>` with one of `scopes` (an admin key may do anything).
 * A deployment without a configured secret refuses the API outright rather than opening it.
 */
export function requireSecretKey(scope: KeyScope = 'admin'): MiddlewareHandler<AppContext> {
  return async function requireSecretKeyMiddleware(c, next) {
    if (!c.env.SECRET_KEY || !c.env.IDENTITY_SECRET) {
      throw new ApiError(
        503,
        'not_configured',
        'this deployment has no secret key configured; set SECRET_KEY and IDENTITY_SECRET',
      );
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <secret key>', undefined, {
        'www-authenticate': 'Bearer',
      });
    const grant = await resolveSecretKey(c.env, match[1]!, c.get('now'));
    if (!grant)
      throw new ApiError(401, 'unauthorized', 'invalid secret key', undefined, { 'www-authenticate': 'Bearer' });
    if (grant.scope !== 'admin' && grant.scope !== scope)
      throw new ApiError(403, 'insufficient_scope', `this key has the ${grant.scope} scope; this route needs ${scope}`);
    c.set('keyScope', grant.scope);
    await next();
  };
}
