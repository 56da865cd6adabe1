import { isClickKind, isValidClickId, platformOf } from '../shared/click-ids';
import { readCookie, writeCookie } from './cookies';
import { randomId } from './identity';
import { COOKIE, link } from './link';
import { live } from './live';

const COOKIE_CHARS = 900; // under 1 KB with its name and attributes
const COOKIE_SECONDS = 7_776_000; // 90 days, slid forward on every write

/**
 * The `_cb_ids` cookie on the registrable domain: the anonymous id and the newest click ID per
 * platform. When localStorage has no state (cleared, or a first visit), the anonymous id and those
 * click IDs come back from it; a new anonymous id is made when there is none.
 */
export function restore(): void {
  const s = link.state_();
  if (s.a) return;
  const [aid, ...ids] = (readCookie(COOKIE) || '').split('|');
  s.a = /^[\w-]{8,64}$/.test(aid!) ? aid! : randomId();
  for (const id of ids) {
    const [kind, value, time] = id.split('*') as [string, string, string];
    const firstSeen = parseInt(time, 36);
    if (isValidClickId(kind, value) && firstSeen > 0) s.l.push({ kind, value, firstSeen, lastSeen: firstSeen });
  }
}

// Whether this page wrote the cookie yet: its first write slides the 90 days forward.
let renewed = 0;

/**
 * Writes the cookie (90 days from now), unless ads consent is denied: on the page's first call, then
 * only when what it holds changed (`jar`: the page's cookies as read). True when it wrote.
 */
export function backup(now?: number, jar?: string): boolean | void {
  if (!link.mayStore_()) return;
  const s = link.state_();
  let cookie = s.a;
  const platforms: Record<string, 1> = {};
  for (const t of live(now)) {
    const part = `|${t.kind}*${t.value}*${t.firstSeen.toString(36)}`;
    if (isClickKind(t.kind) && !platforms[platformOf(t.kind)] && cookie.length + part.length < COOKIE_CHARS) {
      platforms[platformOf(t.kind)] = 1;
      cookie += part;
    }
  }
  if (renewed && readCookie(COOKIE, jar) == cookie) return;
  writeCookie(COOKIE, cookie, COOKIE_SECONDS);
  renewed = 1;
  return true;
}
