import { SNIPPET_TEMPLATE } from './generated/tag-assets';

// JSON-encodes a value for an inline <script>: `<` escaped so no string can close the tag.
function scriptLiteral(value: string): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The paste-in snippet for a publishable key and the collector's base URL (no trailing slash). */
export function renderSnippet(publishableKey: string, collectorUrl: string): string {
  const code = SNIPPET_TEMPLATE.replace('"__CB_KEY__"', () => scriptLiteral(publishableKey)).replace(
    '"__CB_HOST__"',
    () => scriptLiteral(collectorUrl),
  );
  return `<script>\n${code}\n</script>`;
}

/** The collector's public base URL as the browser sees it: the request's origin plus BASE_PATH. */
export function collectorUrl(requestUrl: string, basePath: string | undefined): string {
  return new URL(requestUrl).origin + normalizeBasePath(basePath);
}

export function normalizeBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').trim().replace(/\/+$/, '');
  if (!trimmed) return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
