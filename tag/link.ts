// The one object the core tag (tag.js) hands to its lazily loaded sender (tag-send.js): the two are
// built as separate scripts, so the sender reaches the page's configuration, consent and ledger only
// through it. Short property names: they survive minification in both scripts.
import type { TagConfig } from './types';

export type OutboxEvent = Record<string, unknown> & { messageId: string; timestamp: number };

// localStorage key of the core's write-ahead (and of the whole outbox where IndexedDB is unavailable);
// while it exists there is something to send, and the next page's core loads the sender.
export const OUTBOX = '_cb_outbox';

export interface Link {
  /** The page's configuration (key, host, consent, debug). */
  c: TagConfig;
  /** Whether anything may be stored (ads consent not denied). */
  s(): boolean;
  /** Keeps the collector's person token. */
  t(token: unknown): void;
  /** Events the core could not write ahead (consent denied, or no localStorage): the sender takes them. */
  m: OutboxEvent[];
  /** Warns in debug mode. */
  w(...args: unknown[]): void;
}

export const link = {} as Link;
