import { isClickKind, isTouchKind, isValidClickId, lifetimeMs, platformOf } from '../shared/click-ids';
import type { Touch as WireTouch } from '../shared/schemas/collect';
import { adsConsent, type ConsentState } from './consent';
import { readCookie, writeCookie } from './cookies';
import { randomId } from './identity';

export type Touch = WireTouch;

/** What the browser remembers: anonymous id, person token, touches, a remembered consent grant. */
export interface State {
  a: string;
  k?: string;
  l: Touch[];
  c?: 1;
}

const STORE = '_cb_state';
const COOKIE = '_cb_ids';
const PER_KIND = 5;
const MAX_TOUCHES = 50; // the collector's limit per event
const COOKIE_CHARS = 900; // under 1 KB with its name and attributes
const COOKIE_SECONDS = 7_776_000; // 90 days, slid forward on every write

let state: State | undefined;

/**
 * The browser's state, read once per page from localStorage; the `_cb_ids` cookie (anonymous id and
 * the newest click ID per platform) restores what script storage lost.
 */
export function ledger(): State {
  if (!state) {
    let s: State | undefined;
    try {
      s = JSON.parse(localStorage.getItem(STORE)!);
    } catch {}
    const [aid, ...ids] = (readCookie(COOKIE) || '').split('|');
    state = { l: [], ...s, a: s?.a || (/^[\w-]{8,64}$/.test(aid!) ? aid! : randomId()) };
    for (const id of ids) {
      const [kind, value, time] = id.split('*') as [string, string, string];
      const firstSeen = parseInt(time, 36);
      if (isValidClickId(kind, value) && firstSeen > 0) merge({ kind, value, firstSeen, lastSeen: firstSeen });
    }
  }
  return state;
}

export function consent(): ConsentState {
  return adsConsent(ledger().c);
}

/** Whether anything may be written to storage (ads consent not denied). */
export function storageAllowed(): boolean {
  return consent() != 'denied';
}

/** Adds a touch, or merges it into the one kept (earliest first-seen, latest last-seen). True if new. */
export function merge(touch: Touch): boolean {
  const l = ledger().l;
  const known = l.find((t) => t.kind == touch.kind && t.value == touch.value);
  if (!known) return !!l.push(touch);
  Object.assign(known, { ...touch, ...known, firstSeen: Math.min(known.firstSeen, touch.firstSeen), lastSeen: Math.max(known.lastSeen!, touch.lastSeen!) });
  return false;
}

/**
 * Unexpired touches, newest first, capped: a click expires with its platform's window after it was
 * first seen, a browser id (fbp, ttp) after it was last seen; at most 5 per kind and 50 in all.
 */
export function live(now = Date.now()): Touch[] {
  const s = ledger();
  const perKind: Record<string, number> = {};
  return (s.l = s.l
    .filter((t) => isTouchKind(t.kind) && (isClickKind(t.kind) ? t.firstSeen : t.lastSeen!) + lifetimeMs(t.kind) > now)
    .sort((a, b) => b.lastSeen! - a.lastSeen!)
    .filter((t) => (perKind[t.kind] = -~perKind[t.kind]!) <= PER_KIND)
    .slice(0, MAX_TOUCHES));
}

/** Writes the state to localStorage and the cookies, unless ads consent is denied. */
export function save(now?: number): void {
  if (!storageAllowed()) return;
  const s = ledger();
  let cookie = s.a;
  const platforms: Record<string, 1> = {};
  for (const t of live(now)) {
    const part = `|${t.kind}*${t.value}*${t.firstSeen.toString(36)}`;
    if (isClickKind(t.kind) && !platforms[platformOf(t.kind)] && cookie.length + part.length < COOKIE_CHARS) {
      platforms[platformOf(t.kind)] = 1;
      cookie += part;
    }
  }
  writeCookie(COOKIE, cookie, COOKIE_SECONDS);
  try {
    localStorage.setItem(STORE, JSON.stringify(s));
  } catch {}
}

/** Removes what this tag stored (localStorage and its cookie); `forget` also drops the page's copy. */
export function wipe(forget?: boolean): void {
  try {
    localStorage.removeItem(STORE);
  } catch {}
  writeCookie(COOKIE, '', 0);
  delete ledger().c;
  if (forget) state = undefined;
}
