/** POSTs a JSON batch as text/plain (no CORS preflight) with keepalive, so it survives page unload. */
export function send(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain' },
    keepalive: true,
    credentials: 'omit',
  });
}
