import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from './sql';
import { directorySchema } from './directory-schema';
import type { DirectoryEntry } from './person-types';

export interface DirectoryRow {
  key: string;
  email: string;
  createdAt: number;
  updatedAt: number;
  attributes: Record<string, Record<string, unknown>>;
}

export interface DirectoryStats {
  people: number;
  newSince: number;
  identifiedSince: number;
  clicks: Record<string, number>;
}

type Row = { key: string; email: string; created_at: number; updated_at: number; attributes: string };

/**
 * One shard of the people index (persons whose object key starts with this shard's prefix): the
 * People list, search and audience populate read it, so none of them depends on a single object.
 * Rows are written by each PersonObject's outbox, newest revision wins.
 */
// A VisitorObject expires 90 days after its last touch; its registry row a day later.
const VISITOR_TTL_MS = 91 * 86_400_000;

export class DirectoryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, directorySchema);
  }

  // --- visitor registry (collector/visitor-registry.ts) ---------------------------------------------

  /** A visitor about to store touches; rows past the visitors' 90-day expiry are pruned a few at a time. */
  noteVisitor(id: string, now: number): void {
    this.sql.exec(
      'INSERT INTO visitors (id, seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)',
      id,
      now,
    );
    this.sql.exec(
      'DELETE FROM visitors WHERE rowid IN (SELECT rowid FROM visitors WHERE seen_at < ? LIMIT 20)',
      now - VISITOR_TTL_MS,
    );
  }

  knownVisitors(ids: string[]): string[] {
    return ids.filter((id) => this.sql.exec('SELECT 1 FROM visitors WHERE id = ?', id).toArray().length > 0);
  }

  forgetVisitors(ids: string[]): void {
    for (const id of ids) this.sql.exec('DELETE FROM visitors WHERE id = ?', id);
  }

  /** Applies a person's row unless a newer revision is already here or the person is suppressed. */
  upsert(e: DirectoryEntry): 'applied' | 'stale' | 'suppressed' {
    if (this.sql.exec('SELECT 1 FROM suppressions WHERE key = ?', e.key).toArray().length) return 'suppressed';
    const cursor = this.sql.exec(
      `INSERT INTO people (key, email, created_at, updated_at, rev, attributes, identified_at, clicks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET email = excluded.email, created_at = excluded.created_at, updated_at = excluded.updated_at,
         rev = excluded.rev, attributes = excluded.attributes, identified_at = excluded.identified_at, clicks = excluded.clicks
       WHERE excluded.rev > people.rev`,
      e.key,
      e.email,
      e.createdAt,
      e.updatedAt,
      e.rev,
      JSON.stringify(e.attributes),
      e.identifiedAt ?? null,
      JSON.stringify(e.clicks ?? {}),
    );
    return cursor.rowsWritten > 0 ? 'applied' : 'stale';
  }

  /**
   * A new person's row pushed ahead of a commit that then failed: it goes, unless a later revision
   * (or another creation's row) replaced it meanwhile.
   */
  withdraw(key: string, rev: number, createdAt: number): boolean {
    return (
      this.sql.exec('DELETE FROM people WHERE key = ? AND rev = ? AND created_at = ?', key, rev, createdAt)
        .rowsWritten > 0
    );
  }

  /** Erasure: the row goes and a suppression entry (the key only) stays. */
  suppress(key: string, now: number): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM people WHERE key = ?', key);
      this.sql.exec('INSERT INTO suppressions (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING', key, now);
    });
  }

  unsuppress(key: string): boolean {
    return this.sql.exec('DELETE FROM suppressions WHERE key = ?', key).rowsWritten > 0;
  }

  isSuppressed(key: string): boolean {
    return this.sql.exec('SELECT 1 FROM suppressions WHERE key = ?', key).toArray().length > 0;
  }

  /** People whose email starts with `prefix`, in email order, after `after` (exclusive). */
  search(prefix: string, after: string, limit: number): DirectoryRow[] {
    const rows = this.sql
      .exec<Row>(
        `SELECT key, email, created_at, updated_at, attributes FROM people
         WHERE email > ? AND substr(email, 1, ?) = ? ORDER BY email LIMIT ?`,
        after,
        prefix.length,
        prefix,
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      key: r.key,
      email: r.email,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      attributes: JSON.parse(r.attributes),
    }));
  }

  /** Person keys in key order after `after` (exclusive): the scan behind audience populate. */
  listKeys(after: string, limit: number): string[] {
    return this.sql
      .exec<{ key: string }>('SELECT key FROM people WHERE key > ? ORDER BY key LIMIT ?', after, limit)
      .toArray()
      .map((r) => r.key);
  }

  count(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM people').one().n;
  }

  /** The admin overview's counts for this shard: people, new and identified since `since`, click IDs per kind. */
  stats(since: number): DirectoryStats {
    const n = (q: string, ...args: unknown[]) => this.sql.exec<{ n: number }>(q, ...args).one().n;
    const clicks: Record<string, number> = {};
    for (const r of this.sql.exec<{ kind: string; n: number }>(
      'SELECT j.key AS kind, sum(j.value) AS n FROM people, json_each(people.clicks) AS j GROUP BY j.key',
    ))
      clicks[r.kind] = r.n;
    return {
      people: n('SELECT count(*) AS n FROM people'),
      newSince: n('SELECT count(*) AS n FROM people WHERE created_at >= ?', since),
      identifiedSince: n('SELECT count(*) AS n FROM people WHERE identified_at >= ?', since),
      clicks,
    };
  }
}
