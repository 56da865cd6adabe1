// The request as the delivery log keeps it: every credential replaced, wherever it appears (query
// string, headers, body), so a log row can be shown to anyone who can see the admin.
import type { HttpRequest } from './types';

export const REDACTED = '[REDACTED]';
const CREDENTIAL_HEADERS = ['authorization', 'developertoken', 'developer-token', 'access-token'];

export function redactRequest(req: HttpRequest, secrets: readonly (string | undefined)[]): HttpRequest {
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const scrub = (text: string) => {
    let out = text;
    for (const v of values) {
      out = out.split(v).join(REDACTED);
      const encoded = encodeURIComponent(v);
      if (encoded !== v) out = out.split(encoded).join(REDACTED);
    }
    return out;
  };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    headers[k] = CREDENTIAL_HEADERS.includes(k.toLowerCase()) ? REDACTED : scrub(v);
  const url = new URL(scrub(req.url));
  if (url.searchParams.has('access_token')) url.searchParams.set('access_token', REDACTED);
  const out: HttpRequest = {
    method: req.method,
    url: url.toString().replace(encodeURIComponent(REDACTED), REDACTED),
    headers,
  };
  if (req.body !== undefined) out.body = JSON.parse(scrub(JSON.stringify(req.body)));
  return out;
}
