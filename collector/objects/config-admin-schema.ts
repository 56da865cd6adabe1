// The ConfigObject's admin tables, on their own migration track ('admin'). Append steps only.
export const configAdminSchema = [
  // v1: the audit log of admin changes (who, what, when).
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
     action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
     target TEXT NOT NULL DEFAULT '' CHECK (length(target) <= 300),
     detail TEXT NOT NULL DEFAULT '' CHECK (length(detail) <= 1000)
   );
   CREATE INDEX audit_log_at ON audit_log (at);`,
];
