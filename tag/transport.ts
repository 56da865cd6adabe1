const KEEPALIVE_CHARS = 60_000; // keepalive bodies share a 64 KiB in-flight budget per page

/**
 * POSTs a JSON body as text/plain (a simple request: no CORS preflight), with keepalive so it
 * outlives the page, and credentials so a same-site collector can keep its HttpOnly `_cb_aid` cookie.
 */
export function send(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', body, keepalive: body.length < KEEPALIVE_CHARS, credentials: 'include' });
}
