/**
 * A migration runner for Durable Object SQLite: each step runs once, in order, tracked by version.
 * `track` names an independent list of steps in the same database (e.g. the audience tables of the
 * ConfigObject), so features can add tables without renumbering each other's steps.
 */
export function migrate(sql: SqlStorage, steps: string[], track = ''): void {
  const table = track ? `schema_version_${track.replace(/\W/g, '_')}` : 'schema_version';
  sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`);
  const row = sql.exec<{ version: number }>(`SELECT version FROM ${table}`).toArray()[0];
  const current = row?.version ?? 0;
  if (!row) sql.exec(`INSERT INTO ${table} (version) VALUES (0)`);
  for (let v = current; v < steps.length; v++) {
    sql.exec(steps[v]);
    sql.exec(`UPDATE ${table} SET version = ?`, v + 1);
  }
}
