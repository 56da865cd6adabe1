/**
 * Origin allow-list patterns: `https://example.com`, `https://*.example.com` (one or more labels),
 * `http://localhost:*` (any port). Anything else in a pattern is literal.
 */
export function parseOrigins(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function originAllowed(origin: string | null | undefined, patterns: string[]): boolean {
  if (!origin || origin === 'null') return false;
  return patterns.some((p) => patternToRegExp(p).test(origin));
}

const cache = new Map<string, RegExp>();
function patternToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
      // After a colon, `*` is a port; elsewhere it is one or more DNS labels.
      .reduce((acc, part, i) =>
        i === 0 ? part : acc + (acc.endsWith(':') ? '\\d{1,5}' : '[a-z0-9-]+(?:\\.[a-z0-9-]+)*') + part,
      );
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re;
}
