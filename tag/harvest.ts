import { CLICK_COOKIES, parseClickCookie } from '../shared/click-ids';
import { backup, restore } from './backup';
import { cookieDomain, readCookie, writeCookie } from './cookies';
import { link } from './link';
import type { Touch } from './ledger';

/**
 * Takes the click and browser ids other tags keep in first-party cookies (a wrapped cookie keeps
 * its own time as first-seen: _gcl_aw's seconds, _fbc's and _fbp's ms), and mints Meta's `_fbp`
 * browser id when none exists, writing the `_fbp` cookie (90 days) when it is missing, so Meta's
 * pixel uses the same one. First the ledger is restored from the `_cb_ids` cookie if it has to be, and
 * last that cookie is written again (backup.ts).
 */
export function harvest(now = Date.now()): void {
  restore();
  const jar = document.cookie;
  const touches = CLICK_COOKIES.map((name) => parseClickCookie(name, readCookie(name, jar)!))
    .filter((p) => p)
    .map((p) => ({ firstSeen: now, ...p, lastSeen: now })) as Touch[];
  const fbp = link.l().l.concat(touches).find((t) => t.kind == 'fbp');
  if (link.s()) {
    // fb.<domain level of the cookie (1 = example.com)>.<creation ms>.<random>
    const level = (cookieDomain() || location.hostname).split('.').length - 1;
    if (!fbp) touches.push({ kind: 'fbp', value: `fb.${level}.${now}.${(Math.random() * 2 ** 31) | 0}`, firstSeen: now, lastSeen: now });
    if (!readCookie('_fbp', jar)) writeCookie('_fbp', (fbp || touches.at(-1)!).value, 7_776_000);
  }
  link.h(touches, now);
  backup(now);
}
