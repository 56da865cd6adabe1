import type { Touch as WireTouch } from '../shared/schemas/collect';
import { adsConsent, type ConsentState } from './consent';
import { COOKIE, link, OUTBOX } from './link';

export type Touch = WireTouch;

/**
 * What the browser remembers: anonymous id (set by the sender, backup.ts), person token, touches, a
 * remembered consent grant.
 */
export interface State {
  a: string;
  k?: string;
  l: Touch[];
  c?: 1;
}

const STORE = '_cb_state';

let state: State | undefined;

/**
 * The browser's state, read once per page from localStorage. (The sender restores what script
 * storage lost from the `_cb_ids` cookie, prunes it and keeps the cookie: backup.ts, live.ts.)
 */
export function ledger(): State {
  if (!state) {
    try {
      state = JSON.parse(localStorage.getItem(STORE)!);
    } catch {}
    state = { l: [], ...state } as State;
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

/** Writes the state to localStorage, unless ads consent is denied. */
export function save(): void {
  try {
    if (storageAllowed()) localStorage.setItem(STORE, JSON.stringify(ledger()));
  } catch {}
}

/**
 * Removes what this tag stored (localStorage and its cookie); `forget` (reset) also drops the page's
 * copy, else (ads consent denied) the write-ahead moves to memory, where the sender drops its click
 * IDs (outbox-store.ts), so it is never stored or sent with them.
 */
export function wipe(forget?: boolean): void {
  try {
    localStorage.removeItem(STORE);
    if (!forget) {
      link.held_.push(...JSON.parse(localStorage.getItem(OUTBOX)!).q);
      localStorage.removeItem(OUTBOX);
    }
  } catch {}
  // The cookie is on the registrable domain (the sender found it, cookies.ts): deleted on every
  // suffix of the hostname, which needs no probe.
  for (let d = location.hostname; d; d = d.slice(d.indexOf('.') + 1 || 1e9)) document.cookie = `${COOKIE}=;path=/;max-age=0;domain=${d}`;
  document.cookie = `${COOKIE}=;path=/;max-age=0`;
  delete ledger().c;
  if (forget) state = undefined;
}
