import { call, SK } from './helpers';

export const ORIGIN = 'http://collector.test';

/** `name=value` pairs from a response's Set-Cookie headers. */
export function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getAll('set-cookie')) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function setCookieLine(res: Response, name: string): string | undefined {
  return res.headers.getAll('set-cookie').find((l) => l.startsWith(`${name}=`));
}

export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** The value of the hidden `_csrf` field in a page's first form that has one. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field on the page');
  return m[1];
}

export function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** Posts a form the way a browser on the admin's own origin does. */
export function post(
  path: string,
  fields: Record<string, string>,
  cookies: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return call(path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      cookie: cookieHeader(cookies),
      ...headers,
    },
    body: form(fields),
  });
}

export function get(path: string, cookies: Record<string, string> = {}) {
  return call(path, { redirect: 'manual', headers: { cookie: cookieHeader(cookies) } });
}

/** Opens the sign-in form: its pre-sign-in cookie and CSRF token. */
export async function openSignIn(ip = '198.51.100.7') {
  const res = await call('/admin/sign-in', { headers: { 'cf-connecting-ip': ip } });
  const html = await res.text();
  return { cookies: cookiesOf(res), csrf: csrfOf(html), html, res };
}

/** Signs in with `key`; answers the session cookies and the page CSRF token. */
export async function signIn(key = SK, ip = '198.51.100.7') {
  const pre = await openSignIn(ip);
  const res = await post('/admin/sign-in', { _csrf: pre.csrf, key, next: '/admin/people' }, pre.cookies, {
    'cf-connecting-ip': ip,
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  const cookies = cookiesOf(res);
  const session = { '__Secure-cb_admin': cookies['__Secure-cb_admin'] };
  const page = await get('/admin/people', session);
  return { cookies: session, csrf: csrfOf(await page.text()) };
}
