// The ConfigObject's admin storage: the change log of the admin. Its table keeps its first name,
// audit_log (config-admin-schema.ts): renaming it would need a migration for nothing a reader sees.
// The class in config.ts only delegates.
import { configAdminSchema } from './config-admin-schema';
import { migrate } from './sql';

export interface ChangeLogEntry {
  id: number;
  at: number;
  /** Which key (and session) made the change, as the admin names it: never a secret. */
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export type NewChangeLogEntry = Omit<ChangeLogEntry, 'id'>;

/** The log keeps this many newest entries; older ones are dropped as new ones arrive. */
export const CHANGE_LOG_KEEP = 10_000;

type ChangeLogRow = { id: number; at: number; actor: string; action: string; target: string; detail: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class AdminStore {
  constructor(private readonly sql: SqlStorage) {
    migrate(sql, configAdminSchema, 'admin');
  }

  recordChange(e: NewChangeLogEntry): void {
    this.sql.exec(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
      e.at,
      clip(e.actor || 'unknown', 200),
      clip(e.action, 64),
      clip(e.target, 300),
      clip(e.detail, 1000),
    );
    this.sql.exec('DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - ?', CHANGE_LOG_KEEP);
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  listChanges(before: number | null, limit: number): ChangeLogEntry[] {
    return this.sql
      .exec<ChangeLogRow>(
        'SELECT id, at, actor, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
        before ?? Number.MAX_SAFE_INTEGER,
        Math.min(Math.max(limit, 1), 200),
      )
      .toArray()
      .map((r) => ({ ...r }));
  }
}
