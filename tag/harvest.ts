import { CLICK_COOKIES, parseClickCookie } from '../shared/click-ids';
import { backup, restore } from './backup';
import { cookieDomain, readCookie, writeCookie } from './cookies';
import { link } from './link';
import type { State, Touch } from './ledger';

// The cookie jar as the last pass left it, the ledger it harvested into and whether storage was
// allowed: a pass harvests again only when one of them changed (another tag wrote a cookie, reset()
// began a new ledger, ads consent changed).
let seen: string | undefined;
let filled: State | undefined;
let allowed: boolean | undefined;

/**
 * Takes the click and browser ids other tags keep in first-party cookies (a wrapped cookie keeps
 * its own time as first-seen: _gcl_aw's seconds, _fbc's and _fbp's ms), and mints Meta's `_fbp`
 * browser id when none exists, writing the `_fbp` cookie (90 days) when it is missing, so Meta's
 * pixel uses the same one. First the ledger is restored from the `_cb_ids` cookie if it has to be, and
 * last that cookie is written again if it has to be (backup.ts). Each send pass calls it; it reads
 * the jar once, and does the rest only when the jar, the ledger or the consent is not what it last saw.
 */
export function harvest(now = Date.now()): void {
  restore();
  const jar = document.cookie;
  const changed = jar != seen || link.state_() != filled || link.mayStore_() != allowed;
  if (changed) {
    filled = link.state_();
    allowed = link.mayStore_();
    const touches = CLICK_COOKIES.map((name) => parseClickCookie(name, readCookie(name, jar)!))
      .filter((p) => p)
      .map((p) => ({ firstSeen: now, ...p, lastSeen: now })) as Touch[];
    const fbp = filled.l.concat(touches).find((t) => t.kind == 'fbp');
    if (allowed) {
      // fb.<domain level of the cookie (1 = example.com)>.<creation ms>.<random>
      const level = (cookieDomain() || location.hostname).split('.').length - 1;
      if (!fbp)
        touches.push({
          kind: 'fbp',
          value: `fb.${level}.${now}.${(Math.random() * 2 ** 31) | 0}`,
          firstSeen: now,
          lastSeen: now,
        });
      if (!readCookie('_fbp', jar)) writeCookie('_fbp', (fbp || touches.at(-1)!).value, 7_776_000);
    }
    link.take_(touches, now);
  }
  // What this pass wrote is no change for the next one.
  seen = backup(now, jar) || changed ? document.cookie : jar;
}
