import type { Touch } from '../../shared/schemas/collect';

// Touch storage shared by PersonObject and VisitorObject: merged by (kind, value), keeping the
// earliest first-seen (with its landing page, referrer and raw cookie) and the latest last-seen.

export const TOUCH_RETENTION_MS = 90 * 86_400_000;
export const DEDUPE_MS = 7 * 86_400_000;

export interface StoredTouch {
  kind: string;
  value: string;
  firstSeen: number;
  lastSeen: number;
  landingUrl: string | null;
  referrer: string | null;
  raw: string | null;
}

export type TouchRow = {
  kind: string;
  value: string;
  first_seen: number;
  last_seen: number;
  landing_url: string | null;
  referrer: string | null;
  raw: string | null;
};

export function toStoredTouch(r: TouchRow): StoredTouch {
  return {
    kind: r.kind,
    value: r.value,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    landingUrl: r.landing_url,
    referrer: r.referrer,
    raw: r.raw,
  };
}

/** Touches still inside the retention window; older ones are not worth storing. */
export function freshTouches<T extends { firstSeen: number }>(touches: T[], now: number): T[] {
  return touches.filter((t) => t.firstSeen >= now - TOUCH_RETENTION_MS);
}

/** Upserts one touch; `extra` columns (e.g. anonymous_id) are set with the earliest first-seen. */
export function mergeTouchRow(sql: SqlStorage, t: Touch | StoredTouch, extra: { anonymous_id?: string | null } = {}) {
  const hasAnon = 'anonymous_id' in extra;
  sql.exec(
    `INSERT INTO touches (kind, value, first_seen, last_seen, landing_url, referrer, raw${hasAnon ? ', anonymous_id' : ''})
     VALUES (?, ?, ?, ?, ?, ?, ?${hasAnon ? ', ?' : ''})
     ON CONFLICT (kind, value) DO UPDATE SET
       landing_url = CASE WHEN excluded.first_seen < first_seen THEN excluded.landing_url ELSE landing_url END,
       referrer = CASE WHEN excluded.first_seen < first_seen THEN excluded.referrer ELSE referrer END,
       raw = CASE WHEN excluded.first_seen < first_seen OR raw IS NULL THEN coalesce(excluded.raw, raw) ELSE raw END,
       ${hasAnon ? 'anonymous_id = CASE WHEN excluded.first_seen < first_seen THEN excluded.anonymous_id ELSE anonymous_id END,' : ''}
       first_seen = min(first_seen, excluded.first_seen),
       last_seen = max(last_seen, excluded.last_seen)`,
    ...[
      t.kind,
      t.value,
      t.firstSeen,
      Math.max(t.lastSeen ?? t.firstSeen, t.firstSeen),
      t.landingUrl ?? null,
      t.referrer ?? null,
      t.raw ?? null,
      ...(hasAnon ? [extra.anonymous_id ?? null] : []),
    ],
  );
}

export function pruneTouches(sql: SqlStorage, now: number) {
  sql.exec('DELETE FROM touches WHERE first_seen < ?', now - TOUCH_RETENTION_MS);
}

/** Records a message id; true when it was already seen in the last 7 days. */
export function seenMessage(sql: SqlStorage, messageId: string, now: number): boolean {
  // One statement: an id seen inside the window is left as it is (nothing written).
  const written = sql.exec(
    'INSERT INTO messages (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at WHERE at < ?',
    messageId,
    now,
    now - DEDUPE_MS,
  ).rowsWritten;
  return written === 0;
}

/** Whether a message id was seen in the last 7 days (a read: see recordMessage). */
export function messageSeen(sql: SqlStorage, messageId: string, now: number): boolean {
  return sql.exec('SELECT 1 FROM messages WHERE id = ? AND at >= ?', messageId, now - DEDUPE_MS).toArray().length > 0;
}

/** Drops message ids older than the dedupe window (run from deferred work, not per request). */
export function pruneMessages(sql: SqlStorage, now: number) {
  sql.exec('DELETE FROM messages WHERE at < ?', now - DEDUPE_MS);
}
