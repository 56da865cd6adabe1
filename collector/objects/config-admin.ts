// The ConfigObject's admin storage: the audit log of admin changes.
// The class in config.ts only delegates.
import { configAdminSchema } from './config-admin-schema';
import { migrate } from './sql';

export interface AuditEntry {
  id: number;
  at: number;
  /** Which key (and session) made the change, as the admin names it: never a secret. */
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** The log keeps this many newest entries; older ones are dropped as new ones arrive. */
export const AUDIT_KEEP = 10_000;

type AuditRow = { id: number; at: number; actor: string; action: string; target: string; detail: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class AdminStore {
  constructor(private readonly sql: SqlStorage) {
    migrate(sql, configAdminSchema, 'admin');
  }

  recordAudit(e: NewAuditEntry): void {
    this.sql.exec(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
      e.at,
      clip(e.actor || 'unknown', 200),
      clip(e.action, 64),
      clip(e.target, 300),
      clip(e.detail, 1000),
    );
    this.sql.exec('DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - ?', AUDIT_KEEP);
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  listAudit(before: number | null, limit: number): AuditEntry[] {
    return this.sql
      .exec<AuditRow>('SELECT id, at, actor, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?', before ?? Number.MAX_SAFE_INTEGER, Math.min(Math.max(limit, 1), 200))
      .toArray()
      .map((r) => ({ ...r }));
  }
}
