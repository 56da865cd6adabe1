// The one object the core tag (tag.js) hands to its lazily loaded sender (tag-send.js): the two are
// built as separate scripts, so the sender reaches the page's configuration, consent and ledger only
// through it. Short property names: they survive minification in both scripts.
import type { State, Touch } from './ledger';
import type { TagConfig } from './types';

export type OutboxEvent = Record<string, unknown> & { messageId: string; timestamp: number };

// localStorage key of the core's write-ahead (and of the whole outbox where IndexedDB is unavailable).
export const OUTBOX = '_cb_outbox';
// The cookie that backs up the anonymous id and the newest click ID per platform (backup.ts).
export const COOKIE = '_cb_ids';

export interface Link {
  /** The page's configuration (key, host, consent, debug). */
  c: TagConfig;
  /** Whether anything may be stored (ads consent not denied). */
  s(): boolean;
  /** Events the core could not write ahead (consent denied, or no localStorage): the sender takes them. */
  m: OutboxEvent[];
  /** Warns in debug mode. */
  w(...args: unknown[]): void;
  /** The browser's state (anonymous id, person token, ledger). */
  l(): State;
  /** Merges one touch into the ledger (true if new), sending nothing. */
  g(touch: Touch): boolean;
  /** Takes touches into the ledger (and sends new click IDs). */
  h(touches: Touch[], now?: number): unknown;
  /** Erases what the tag stored, as a denial does (Global Privacy Control: the sender calls it). */
  x(): void;
}

export const link = {} as Link;
