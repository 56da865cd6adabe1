import type { Touch as WireTouch } from '../shared/schemas/collect';
import { config } from './config';
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
// Session storage (this tab): the click IDs captured while consent is pending (config `consent:
// 'pending'`), until the visitor answers.
const HELD = '_cb_held';

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

/** Ads consent as events carry it: pending is denied. */
export function consent(): ConsentState {
  const state = adsConsent(ledger().c);
  return state == 'pending' ? 'denied' : state;
}

/** Whether anything may be written to storage (ads consent not denied, nor pending). */
export function storageAllowed(): boolean {
  return consent() != 'denied';
}

// Only a site whose default is 'pending' ever touches session storage.
const sessionHeld = () => config.consent == 'pending';

/** The click IDs an earlier page of this tab held while consent was pending. */
export function heldInSession(): Touch[] {
  try {
    if (sessionHeld()) return JSON.parse(sessionStorage.getItem(HELD)!) || [];
  } catch {}
  return [];
}

/**
 * Adds a touch to the ledger; true if the ledger did not hold its value yet. A value seen again is
 * added once more: the sender folds the repeats into one when it reads the ledger (live.ts), so the
 * rules for merging them stay out of tag.js.
 */
export function merge(touch: Touch): boolean {
  const l = ledger().l;
  const known = l.some((t) => t.kind == touch.kind && t.value == touch.value);
  l.push(touch);
  return !known;
}

/**
 * Writes the state to localStorage, unless ads consent is denied. While consent is pending its
 * touches go to session storage instead; once consent is granted or denied that copy goes.
 */
export function save(): void {
  try {
    if (storageAllowed()) localStorage.setItem(STORE, JSON.stringify(ledger()));
    if (sessionHeld()) {
      if (adsConsent(ledger().c) == 'pending') sessionStorage.setItem(HELD, JSON.stringify(ledger().l));
      else sessionStorage.removeItem(HELD);
    }
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
    sessionStorage.removeItem(HELD);
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
