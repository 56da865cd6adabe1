// The ConfigObject's admin tables, on their own migration track ('admin'). Append steps only.
export const configAdminSchema = [
  // v1: the admin's change log (who, what, when). The table keeps its first name, audit_log: the
  // rows live there, and a rename would be a migration for nothing a reader sees.
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
