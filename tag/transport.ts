/**
 * POSTs a JSON body as text/plain (a simple request: no CORS preflight), with keepalive so it
 * outlives the page (bodies share a 64 KiB keepalive budget), and with credentials so a same-site
 * collector keeps its HttpOnly `_cb_aid` cookie, unless nothing may be stored (ads consent denied).
 */
export function send(url: string, body: string, cookies: boolean): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body,
    keepalive: body.length < 60_000,
    credentials: cookies ? 'include' : 'omit',
  });
}
