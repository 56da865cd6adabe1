import { safeHref } from '../format';

/**
 * Shows an untrusted URL: a link only when it is http(s), always as escaped text, never sending
 * the admin's address along.
 */
export function SafeLink(props: { url: string | null | undefined }) {
  if (!props.url) return <span class="muted">—</span>;
  const href = safeHref(props.url);
  if (!href) return <span class="url">{props.url}</span>;
  return (
    <a class="url" href={href} rel="noopener noreferrer nofollow">
      {props.url}
    </a>
  );
}
