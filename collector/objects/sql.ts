/** A migration runner for Durable Object SQLite: each step runs once, in order, tracked by version. */
export function migrate(sql: SqlStorage, steps: string[]): void {
  sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0];
  const current = row?.version ?? 0;
  if (!row) sql.exec('INSERT INTO schema_version (version) VALUES (0)');
  for (let v = current; v < steps.length; v++) {
    sql.exec(steps[v]);
    sql.exec('UPDATE schema_version SET version = ?', v + 1);
  }
}
