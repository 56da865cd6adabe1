import type { Touch as WireTouch } from '../shared/schemas/collect';
import type { ConsentState } from './consent';
import { COOKIE, link, OUTBOX, STORE } from './link';

export type Touch = WireTouch;

// The sender's: the core (tag.js) keeps no ledger; it reaches the page's configuration and consent
// through the link.

/**
 * What the browser remembers: anonymous id (set by the sender, backup.ts), person token, touches, a
 * remembered consent grant, and whether click IDs were held back while consent was denied or
 * pending (sent once it is granted: api.ts).
 */
export interface State {
  a: string;
  k?: string;
  l: Touch[];
  c?: 1;
  h?: boolean;
}

// STORE is in localStorage; and, while consent is pending on a site whose default is 'pending', in
// session storage (this tab only), so the click IDs captured before the visitor answers survive a
// navigation.

let state: State | undefined;

// Only a site whose default is 'pending' ever touches session storage.
const sessionHeld = () => link.config_.consent == 'pending';

/**
 * The browser's state, read once per page from localStorage (or this tab's copy while consent is
 * pending). (The sender restores what script storage lost from the `_cb_ids` cookie, prunes it and
 * keeps the cookie: backup.ts, live.ts.)
 */
export function ledger(): State {
  if (!state) {
    try {
      state = JSON.parse((sessionHeld() && sessionStorage.getItem(STORE)) || localStorage.getItem(STORE)!);
    } catch {}
    state = { l: [], ...state } as State;
  }
  return state;
}

/** Ads consent as events carry it: pending is denied. */
export function consent(): ConsentState {
  const state = link.consent_(ledger().c);
  return state == 'pending' ? 'denied' : state;
}

/** Whether anything may be written to storage (ads consent not denied, nor pending). */
export function storageAllowed(): boolean {
  return consent() != 'denied';
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
 * Writes the state to localStorage, unless ads consent is denied. While consent is pending it goes
 * to session storage instead; once consent is granted or denied that copy goes.
 */
export function save(): void {
  try {
    const json = JSON.stringify(ledger());
    if (storageAllowed()) localStorage.setItem(STORE, json);
    if (sessionHeld()) {
      if (link.consent_(ledger().c) == 'pending') sessionStorage.setItem(STORE, json);
      else sessionStorage.removeItem(STORE);
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
    sessionStorage.removeItem(STORE);
    if (!forget) {
      link.held_.push(...JSON.parse(localStorage.getItem(OUTBOX)!).q);
      localStorage.removeItem(OUTBOX);
    }
  } catch {}
  // The cookie is on the registrable domain (the sender found it, cookies.ts): deleted on every
  // suffix of the hostname, which needs no probe.
  for (let d = location.hostname; d; d = d.slice(d.indexOf('.') + 1 || 1e9))
    document.cookie = `${COOKIE}=;path=/;max-age=0;domain=${d}`;
  document.cookie = `${COOKIE}=;path=/;max-age=0`;
  // A denial also ends a remembered grant; reset starts the state over.
  if (forget) state = undefined;
  else delete ledger().c;
}
