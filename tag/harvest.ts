import { CLICK_COOKIES, parseClickCookie } from '../shared/click-ids';
import { link } from './link';
import type { Touch } from './ledger';

/**
 * Takes the click and browser ids other tags keep in first-party cookies (a wrapped cookie keeps
 * its own time as first-seen: _gcl_aw's seconds, _fbc's and _fbp's ms), and mints Meta's `_fbp`
 * browser id when none exists (ledger.ts writes the cookie, so Meta's pixel uses the same one).
 */
export function harvest(now = Date.now()): void {
  const jar = document.cookie;
  const touches = CLICK_COOKIES.map((name) => parseClickCookie(name, (jar.match(`(?:^|; )${name}=([^;]*)`) || [])[1]!))
    .filter((p) => p)
    .map((p) => ({ firstSeen: now, ...p, lastSeen: now })) as Touch[];
  if (link.s() && !link.l().l.concat(touches).some((t) => t.kind == 'fbp')) {
    // fb.<domain level of the cookie (1 = example.com)>.<creation ms>.<random>
    const level = (link.d() || location.hostname).split('.').length - 1;
    touches.push({ kind: 'fbp', value: `fb.${level}.${now}.${(Math.random() * 2 ** 31) | 0}`, firstSeen: now, lastSeen: now });
  }
  link.h(touches, now);
}
