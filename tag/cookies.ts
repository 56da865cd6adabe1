import { link } from './link';

// First-party cookies on the registrable domain (example.com for www.example.com), found the way
// analytics.js and Meta's param builder do: the shortest suffix the browser accepts a cookie on.
// The site may name the domain instead (`cookieDomain: 'example.com'`), or keep the cookies on the
// page's own host (`cookieDomain: 'none'`); 'auto' (the default) is the probe.
let domain: string | undefined;

/** A cookie's value exactly as written (no decoding: click IDs must not change). */
export function readCookie(name: string, jar = document.cookie): string | undefined {
  return (jar.match(`(?:^|; )${name}=([^;]*)`) || [])[1];
}

export function cookieDomain(): string {
  const chosen = link.config_?.cookieDomain?.replace(/^\./, '').toLowerCase();
  if (chosen == 'none') return '';
  // A domain the page is not on (or under) would have every cookie refused: the probe instead.
  if (chosen && chosen != 'auto' && ('.' + location.hostname).endsWith('.' + chosen)) return chosen;
  if (domain == null) {
    domain = '';
    const labels = location.hostname.split('.');
    for (let i = 2; i <= labels.length && !domain; i++) {
      const d = labels.slice(-i).join('.');
      document.cookie = `_cb_probe=1;path=/;domain=${d}`;
      if (readCookie('_cb_probe')) writeCookie('_cb_probe', '', 0, (domain = d));
    }
  }
  return domain;
}

/** Writes (or, with maxAge 0, deletes) a cookie on the registrable domain for maxAge seconds. */
export function writeCookie(name: string, value: string, maxAge: number, d = cookieDomain()): void {
  document.cookie = `${name}=${value};path=/;max-age=${maxAge};samesite=lax${d ? ';domain=' + d : ''}${location.protocol == 'https:' ? ';secure' : ''}`;
}

/** For tests: forget the probed domain. */
export function resetCookieDomain(): void {
  domain = undefined;
}
