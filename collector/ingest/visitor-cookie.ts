import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppContext } from '../env';
import { idSchema } from '../../shared/schemas/collect';

export const VISITOR_COOKIE = '_cb_aid';
const MAX_AGE_S = 400 * 86_400; // Chrome's cap on any cookie's lifetime.

/** The anonymous id the collector set earlier as an HttpOnly first-party cookie, if any and well-formed. */
export function visitorCookie(c: Context<AppContext>): string | null {
  const value = getCookie(c, VISITOR_COOKIE);
  return value && idSchema.safeParse(value).success ? value : null;
}

/**
 * True when the page and the collector share a site (the collector routed on the site's own host
 * with BASE_PATH): only then is a server-set cookie first-party, outliving Safari's cap on
 * script-written storage.
 */
export function sameSite(c: Context<AppContext>): boolean {
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite) return fetchSite === 'same-origin' || fetchSite === 'same-site';
  const origin = c.req.header('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host === new URL(c.req.url).host;
  } catch {
    return false;
  }
}

export function setVisitorCookie(c: Context<AppContext>, anonymousId: string) {
  const url = new URL(c.req.url);
  const secure = url.protocol === 'https:';
  const domain = visitorCookieDomain(c.env.VISITOR_COOKIE_DOMAIN, url.hostname);
  c.header(
    'set-cookie',
    `${VISITOR_COOKIE}=${anonymousId}; Path=/; Max-Age=${MAX_AGE_S}; HttpOnly; SameSite=Lax${domain ? `; Domain=${domain}` : ''}${secure ? '; Secure' : ''}`,
    { append: true },
  );
}

/**
 * VISITOR_COOKIE_DOMAIN when the collector's host is that domain or under it (a browser refuses any
 * other), so every hostname of the site, the app's backend included, receives the cookie.
 */
export function visitorCookieDomain(configured: string | undefined, host: string): string | null {
  const d = (configured ?? '').trim().toLowerCase().replace(/^\./, '');
  return d && (host === d || host.endsWith(`.${d}`)) ? d : null;
}
