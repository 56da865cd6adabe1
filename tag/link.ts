// The one object the core tag (tag.js) hands to its lazily loaded sender (tag-send.js): the two are
// built as separate scripts, so the sender reaches the page's configuration, consent and ledger only
// through it. Its members end in `_`: the build shortens such names with one cache for both
// scripts, so both agree on them.
import type { State, Touch } from './ledger';
import type { TagConfig } from './types';

export type OutboxEvent = Record<string, unknown> & { messageId: string; timestamp: number };

// localStorage key of the core's write-ahead (and of the whole outbox where IndexedDB is unavailable).
export const OUTBOX = '_cb_outbox';
// The cookie that backs up the anonymous id and the newest click ID per platform (backup.ts).
export const COOKIE = '_cb_ids';

export interface Link {
  /** The page's configuration (key, host, consent, debug). */
  config_: TagConfig;
  /** Whether anything may be stored (ads consent not denied). */
  mayStore_(): boolean;
  /** Events the core could not write ahead (consent denied, or no localStorage): the sender takes them. */
  held_: OutboxEvent[];
  /** The page's `on(name, callback)` calls, as given. */
  on_: unknown[][];
  /** Warns in debug mode. */
  warn_(...args: unknown[]): void;
  /** The browser's state (anonymous id, person token, ledger). */
  state_(): State;
  /** Takes touches into the ledger (and sends new click IDs). */
  take_(touches: Touch[], now?: number): unknown;
  /** Erases what the tag stored, as a denial does (Global Privacy Control: the sender calls it). */
  erase_(): void;
}

export const link = {} as Link;
