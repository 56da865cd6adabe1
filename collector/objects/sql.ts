/**
 * A migration runner for Durable Object SQLite: each step runs once, in order, tracked by version.
 * True when the track was new in this database (its version table did not exist).
 * `track` names an independent list of steps in the same database (e.g. the audience tables of the
 * ConfigObject), so features can add tables without renumbering each other's steps.
 *
 * A new database does not replay the steps one by one once this isolate has built one: it runs the
 * schema SQLite recorded for that earlier database. Replaying costs a schema re-parse per ALTER and
 * was a third of the CPU of creating a person; the recorded schema is the same tables, columns,
 * constraints and indexes by construction (SQLite's own text of them). Lists whose steps write rows
 * (seed data) always replay, as does a track added to a database that already has other tables.
 */
export function migrate(sql: SqlStorage, steps: string[], track = ''): boolean {
  const table = versionTable(track);
  sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`);
  const row = sql.exec<{ version: number }>(`SELECT version FROM ${table}`).toArray()[0];
  if (row) {
    replay(sql, steps, table, row.version);
    return false;
  }
  const baseline = baselines.get(steps);
  if (baseline?.track === table) {
    sql.exec(`${schemaText(baseline.objects)};\nINSERT INTO ${table} (version) VALUES (?)`, baseline.version);
    return true;
  }
  // Recorded only from an empty database (a track added to a database that has other tables may
  // find some of its tables there already), and only when the steps left every table empty.
  const empty = schemaObjects(sql).every((o) => o.name === table);
  sql.exec(`INSERT INTO ${table} (version) VALUES (0)`);
  replay(sql, steps, table, 0);
  if (!empty) return true;
  const objects = schemaObjects(sql).filter((o) => o.name !== table);
  if (objects.some((o) => o.type === 'table' && sql.exec(`SELECT 1 FROM "${o.name}" LIMIT 1`).toArray().length))
    return true;
  baselines.set(steps, { track: table, version: steps.length, objects });
  return true;
}

/**
 * The schema of a database the caller saw has no table at all (a new object): with what this isolate
 * recorded, in one call (the version table with it), leaving out the tables named in `later` (the
 * caller creates those when first needed); with nothing recorded yet, by migrate(). The tables left out.
 */
export function newSchema(sql: SqlStorage, steps: string[], later: readonly string[] = []): string[] {
  const table = versionTable('');
  const baseline = baselines.get(steps);
  if (baseline?.track !== table) {
    migrate(sql, steps);
    return [];
  }
  const kept = baseline.objects.filter((o) => !later.includes(o.tbl_name));
  sql.exec(
    `CREATE TABLE ${table} (version INTEGER NOT NULL);\n${schemaText(kept)};\nINSERT INTO ${table} (version) VALUES (?)`,
    baseline.version,
  );
  return baseline.objects.filter((o) => o.type === 'table' && later.includes(o.name)).map((o) => o.name);
}

function versionTable(track: string): string {
  return track ? `schema_version_${track.replace(/\W/g, '_')}` : 'schema_version';
}

function schemaText(objects: SchemaObject[]): string {
  return objects.map((o) => o.sql).join(';\n');
}

function replay(sql: SqlStorage, steps: string[], table: string, from: number): void {
  for (let v = from; v < steps.length; v++) {
    sql.exec(steps[v]!);
    sql.exec(`UPDATE ${table} SET version = ?`, v + 1);
  }
}

/** Per isolate: the schema each step list produced in a new database (keyed by the list itself). */
const baselines = new WeakMap<string[], { track: string; version: number; objects: SchemaObject[] }>();

type SchemaObject = { type: string; name: string; tbl_name: string; sql: string };

/** Tables, indexes, views and triggers with their SQL, in creation order (SQLite's and workerd's `_cf_` tables left out). */
function schemaObjects(sql: SqlStorage): SchemaObject[] {
  return sql
    .exec<SchemaObject>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY rowid",
    )
    .toArray();
}
