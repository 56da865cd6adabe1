import type { MiddlewareHandler } from 'hono';

// Scripts and styles only from the admin's own files (no inline code), no framing, no sniffing,
// no referrer leaking person URLs to other sites, nothing cached by shared caches.
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function adminSecurityHeaders(): MiddlewareHandler {
  return async function adminSecurityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', ADMIN_CSP);
    h.set('x-frame-options', 'DENY');
    h.set('x-content-type-options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the admin's own form posts.
    h.set('referrer-policy', 'same-origin');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (!h.has('cache-control')) h.set('cache-control', 'no-store');
  };
}
