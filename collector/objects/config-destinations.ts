// The ConfigObject's list of destinations: which DestinationObjects exist, for GET /api/destinations
// and for the delivery log, which reads each destination's own outbox (the list is short: a
// deployment has a handful of ad accounts, at most MAX_DESTINATIONS). Settings stay sealed in each
// DestinationObject; this holds only ids, types and names. Deleted destinations stay listed as
// deleted, because their delivery log stays.
import type { DestinationType } from '../../shared/schemas/destinations';
import { migrate } from './sql';

export const MAX_DESTINATIONS = 50;

export interface DestinationRef {
  id: string;
  type: DestinationType;
  name: string;
  createdAt: number;
  deletedAt: number | null;
}

const steps = [
  `CREATE TABLE destinations (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     deleted_at INTEGER
   );`,
];

type Row = { id: string; type: DestinationType; name: string; created_at: number; deleted_at: number | null };

export class DestinationRegistry {
  constructor(private readonly sql: SqlStorage) {
    migrate(sql, steps, 'destinations');
  }

  /** Adds a destination; false when the deployment already has MAX_DESTINATIONS live ones. */
  add(ref: { id: string; type: DestinationType; name: string }, now: number): boolean {
    const live = this.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM destinations WHERE deleted_at IS NULL')
      .one().n;
    if (live >= MAX_DESTINATIONS) return false;
    this.sql.exec(
      'INSERT INTO destinations (id, type, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, deleted_at = NULL',
      ref.id,
      ref.type,
      ref.name,
      now,
    );
    return true;
  }

  rename(id: string, name: string): void {
    this.sql.exec('UPDATE destinations SET name = ? WHERE id = ?', name, id);
  }

  markDeleted(id: string, now: number): void {
    this.sql.exec('UPDATE destinations SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?', now, id);
  }

  /** Whether a destination id is configured now (`live`), was deleted, or was never created here. */
  state(id: string): 'live' | 'deleted' | 'unknown' {
    const row = this.sql
      .exec<{ deleted_at: number | null }>('SELECT deleted_at FROM destinations WHERE id = ?', id)
      .toArray()[0];
    return !row ? 'unknown' : row.deleted_at === null ? 'live' : 'deleted';
  }

  /** Live destinations, oldest first; with `includeDeleted`, also the deleted ones (their log stays). */
  list({ includeDeleted = false }: { includeDeleted?: boolean } = {}): DestinationRef[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM destinations ${includeDeleted ? '' : 'WHERE deleted_at IS NULL'} ORDER BY created_at, id`,
      )
      .toArray()
      .map((r) => ({ id: r.id, type: r.type, name: r.name, createdAt: r.created_at, deletedAt: r.deleted_at }));
  }
}
