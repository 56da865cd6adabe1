// The one object the core tag (tag.js) hands to its lazily loaded sender (tag-send.js): the two are
// built as separate scripts, so the sender reaches the page's configuration, consent and calls only
// through it. Its members end in `_`: the build shortens such names with one cache for both
// scripts, so both agree on them.
import type { ConsentState } from './consent';
import type { State, Touch } from './ledger';
import type { TagConfig } from './types';

export type OutboxEvent = Record<string, unknown> & { messageId: string; timestamp: number };

/**
 * A call the core took for the sender, `[method, time, ...arguments]`: `page` (a URL and its
 * referrer, to capture click IDs from), `identify`, `consent`, `reset` (calls.ts).
 */
export type Call = unknown[];

// localStorage key of the sender's write-ahead (and of the whole outbox where IndexedDB is unavailable).
export const OUTBOX = '_cb_outbox';
// Where the core writes its calls when the page is hidden before the sender took them (localStorage;
// session storage while consent is pending).
export const CALLS = '_cb_calls';
// The browser's state: the ledger (ledger.ts).
export const STORE = '_cb_state';
// The cookie that backs up the anonymous id and the newest click ID per platform (backup.ts).
export const COOKIE = '_cb_ids';

export interface Link {
  // Set by the core (install.ts).
  /** The page's configuration (key, host, consent, debug). */
  config_: TagConfig;
  /** Ads consent now (consent.ts), given the remembered grant. */
  consent_(rememberedGrant?: unknown): ConsentState;
  /** The calls waiting for the sender: it takes them, and every later one, as they are pushed. */
  calls_: Call[];
  /** The page's `on(name, callback)` calls, as given. */
  on_: unknown[][];
  /** Warns in debug mode. */
  warn_(...args: unknown[]): void;
  // Set by the sender (sender.ts).
  /** Whether anything may be stored (ads consent not denied). */
  mayStore_(): boolean;
  /** Events not written ahead (consent denied, or no localStorage): the outbox takes them. */
  held_: OutboxEvent[];
  /** The browser's state (anonymous id, person token, ledger). */
  state_(): State;
  /** Takes touches into the ledger (and sends new click IDs). */
  take_(touches: Touch[], now?: number): unknown;
  /** Erases what the tag stored, as a denial does (Global Privacy Control). */
  erase_(): void;
}

export const link = {} as Link;
