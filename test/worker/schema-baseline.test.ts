import { describe, expect, it } from 'vitest';
import { runInDurableObject } from 'cloudflare:test';
import { env } from './helpers';
import { migrate } from '../../collector/objects/sql';
import { personAudienceSchema, personSchema } from '../../collector/objects/person-schema';
import { visitorSchema } from '../../collector/objects/visitor-schema';
import { directorySchema } from '../../collector/objects/directory-schema';
import { destinationSchema } from '../../collector/objects/destination-schema';
import { configSchema } from '../../collector/objects/config-schema';
import { configAdminSchema } from '../../collector/objects/config-admin-schema';
import { configAudiencesSchema } from '../../collector/objects/config-audiences-schema';

// A new database takes the schema its isolate recorded for an earlier new database instead of
// replaying every step (collector/objects/sql.ts). Both must end in the same database.

type Shape = { objects: unknown[]; columns: unknown[]; indexes: unknown[]; rows: [string, unknown[]][] };

function shape(sql: SqlStorage): Shape {
  const objects = sql
    .exec<{ type: string; name: string; tbl_name: string; sql: string | null }>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name",
    )
    .toArray();
  const tables = objects.filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_')).map((o) => o.name);
  const columns = tables.map((t) => [t, sql.exec(`SELECT * FROM pragma_table_xinfo('${t}')`).toArray()]);
  const indexes = tables.map((t) => [
    t,
    sql.exec(`SELECT name, "unique", origin, partial FROM pragma_index_list('${t}') ORDER BY name`).toArray(),
  ]);
  const rows = tables.map((t): [string, unknown[]] => [t, sql.exec(`SELECT * FROM "${t}"`).toArray()]);
  return { objects, columns, indexes, rows };
}

/** Empties an object's storage and migrates it with `steps`; the resulting shape. */
async function build(name: string, steps: string[], track?: string): Promise<Shape> {
  const stub = env.PERSON.get(env.PERSON.idFromName(`schema-baseline:${name}`));
  return runInDurableObject(stub, async (_o, state) => {
    await state.storage.deleteAll();
    migrate(state.storage.sql, steps, track);
    const s = shape(state.storage.sql);
    await state.storage.deleteAll();
    return s;
  });
}

const LISTS: [string, string[], string?][] = [
  ['person', personSchema],
  ['visitor', visitorSchema],
  ['directory', directorySchema],
  ['destination', destinationSchema],
  ['config', configSchema],
  ['config-admin', configAdminSchema, 'admin'],
  ['config-audiences', configAudiencesSchema, 'audiences'],
];

describe('schema baseline', () => {
  for (const [name, list, track] of LISTS) {
    it(`${name}: a new database from the recorded schema equals one built step by step`, async () => {
      const steps = [...list]; // a fresh list: this isolate has recorded nothing for it yet
      const replayed = await build(`${name}:replayed`, steps, track);
      const fromBaseline = await build(`${name}:baseline`, steps, track);
      expect(fromBaseline).toEqual(replayed);
      expect(replayed.rows.find(([t]) => t === (track ? `schema_version_${track}` : 'schema_version'))?.[1]).toEqual([
        { version: steps.length },
      ]);
    });
  }

  it('a database migrated before a new step was appended gets only that step', async () => {
    const steps = [...personSchema];
    await build('grow:first', steps);
    const grown = [...steps, 'CREATE TABLE later_feature (id INTEGER PRIMARY KEY)'];
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:grow'));
    const tables = await runInDurableObject(stub, async (_o, state) => {
      await state.storage.deleteAll();
      migrate(state.storage.sql, steps);
      state.storage.sql.exec(
        "INSERT INTO person (id, email, created_at, updated_at) VALUES (1, 'a@example.com', 1, 1)",
      );
      migrate(state.storage.sql, grown);
      const out = {
        version: state.storage.sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version,
        person: state.storage.sql.exec('SELECT email FROM person').toArray(),
        later: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'later_feature'").toArray().length,
      };
      await state.storage.deleteAll();
      return out;
    });
    expect(tables).toEqual({ version: grown.length, person: [{ email: 'a@example.com' }], later: 1 });
  });

  it('a person database that ran the old audience step keeps its rows when the audiences track adopts the tables', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:adopt'));
    const out = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      await state.storage.deleteAll();
      // The old main-track step 3 created these tables without IF NOT EXISTS.
      sql.exec(personAudienceSchema[0]!.replaceAll(' IF NOT EXISTS', ''));
      sql.exec("INSERT INTO audience_entries (id, audience_id, timestamp, entered_at) VALUES ('e1', 'a1', 1, 1)");
      migrate(sql, personAudienceSchema, 'audiences');
      const r = {
        rows: sql.exec('SELECT id FROM audience_entries').toArray(),
        version: sql.exec<{ version: number }>('SELECT version FROM schema_version_audiences').one().version,
      };
      await state.storage.deleteAll();
      return r;
    });
    expect(out).toEqual({ rows: [{ id: 'e1' }], version: personAudienceSchema.length });
  });

  it('message ids recorded before the person schema keyed them by id are kept, and still deduplicate', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:messages'));
    const out = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      await state.storage.deleteAll();
      migrate(sql, personSchema.slice(0, 4));
      sql.exec("INSERT INTO messages (id, at) VALUES ('m-before', 5)");
      migrate(sql, personSchema);
      const again = sql.exec(
        "INSERT INTO messages (id, at) VALUES ('m-before', 6) ON CONFLICT (id) DO NOTHING",
      ).rowsWritten;
      const r = {
        rows: sql.exec('SELECT id, at FROM messages').toArray(),
        again,
        withoutRowid: /WITHOUT ROWID/i.test(
          sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'messages'").one().sql,
        ),
      };
      await state.storage.deleteAll();
      return r;
    });
    expect(out).toEqual({ rows: [{ id: 'm-before', at: 5 }], again: 0, withoutRowid: true });
  });

  it('rows written before the person tables were keyed by their text keys survive the rebuild, constraints included', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:rekeyed'));
    const out = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      await state.storage.deleteAll();
      migrate(sql, personSchema.slice(0, 5));
      sql.exec(`INSERT INTO attributes (source, data, updated_at) VALUES ('crm', '{"a":1}', 1), ('traits', '{}', 2)`);
      sql.exec(
        `INSERT INTO devices (anonymous_id, ip, user_agent, first_seen, last_seen, linked) VALUES ('anon_1', '203.0.113.1', 'UA', 1, 2, 1), ('anon_2', NULL, NULL, 3, 4, 0)`,
      );
      sql.exec(`INSERT INTO pending_links (anonymous_id, at) VALUES ('anon_2', 5)`);
      sql.exec(
        `INSERT INTO touches (kind, value, first_seen, last_seen, landing_url, referrer, anonymous_id, raw) VALUES ('gclid', 'g1', 1, 2, 'https://l', 'https://r', 'anon_1', NULL), ('fbclid', 'f1', 3, 3, NULL, NULL, NULL, 'fb.1.3.f1')`,
      );
      const read = () => ({
        attributes: sql.exec('SELECT * FROM attributes ORDER BY source').toArray(),
        // The columns of the rebuild (v8 adds country after it).
        devices: sql
          .exec('SELECT anonymous_id, ip, user_agent, first_seen, last_seen, linked FROM devices ORDER BY anonymous_id')
          .toArray(),
        pending: sql.exec('SELECT * FROM pending_links').toArray(),
        touches: sql.exec('SELECT * FROM touches ORDER BY kind').toArray(),
      });
      const before = read();
      migrate(sql, personSchema);
      const after = read();
      let refused = 0;
      for (const bad of [
        `INSERT INTO attributes (source, data, updated_at) VALUES ('x', 'not json', 1)`,
        `INSERT INTO devices (anonymous_id, first_seen, last_seen, linked) VALUES ('anon_3', 1, 1, 2)`,
      ]) {
        try {
          sql.exec(bad);
        } catch {
          refused++;
        }
      }
      // v7 dropped the touches' time index (at most 500 a person: pruned by a scan).
      const indexes = sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'touches' AND sql IS NOT NULL",
        )
        .toArray()
        .map((r) => r.name);
      await state.storage.deleteAll();
      return { same: JSON.stringify(before) === JSON.stringify(after), after, refused, indexes };
    });
    expect(out.same).toBe(true);
    expect(out.after.devices).toHaveLength(2);
    expect(out.refused).toBe(2);
    expect(out.indexes).toEqual([]);
  });

  it('the revision last pushed to the directory moves onto the person row', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:synced-rev'));
    const out = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      await state.storage.deleteAll();
      migrate(sql, personSchema.slice(0, 6));
      sql.exec(
        "INSERT INTO person (id, email, key, created_at, updated_at, rev) VALUES (1, 'a@example.com', NULL, 1, 1, 7)",
      );
      sql.exec('INSERT INTO directory_sync (id, rev, synced_rev) VALUES (1, 7, 5)');
      migrate(sql, personSchema);
      const r = {
        person: sql.exec('SELECT rev, synced_rev FROM person').one(),
        tables: sql
          .exec<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE name IN ('directory_sync', 'messages_at', 'touches_first_seen')",
          )
          .toArray().length,
      };
      await state.storage.deleteAll();
      return r;
    });
    expect(out).toEqual({ person: { rev: 7, synced_rev: 5 }, tables: 0 });
  });

  it('the person row survives the consent rebuild, and its constraints still hold', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:consent-check'));
    const out = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      await state.storage.deleteAll();
      migrate(sql, personSchema.slice(0, 8));
      const key = 'a'.repeat(64);
      sql.exec(
        `INSERT INTO person (id, email, key, created_at, updated_at, rev, consent_ads, consent_at, identified_at, synced_rev)
         VALUES (1, 'a@example.com', ?, 1, 2, 7, 'granted', 3, 4, 5)`,
        key,
      );
      const read = () => sql.exec('SELECT * FROM person').toArray();
      const before = read();
      migrate(sql, personSchema);
      const after = read();
      const refused: string[] = [];
      for (const bad of [
        "UPDATE person SET consent_ads = 'maybe'",
        "UPDATE person SET key = 'short'",
        "INSERT INTO person (id, email, created_at, updated_at) VALUES (2, 'b@example.com', 1, 1)",
      ]) {
        try {
          sql.exec(bad);
        } catch {
          refused.push(bad);
        }
      }
      for (const ok of ["UPDATE person SET consent_ads = 'denied'", 'UPDATE person SET consent_ads = NULL'])
        sql.exec(ok);
      await state.storage.deleteAll();
      return { before, after, refused: refused.length };
    });
    expect(out.after).toEqual(out.before);
    expect(out.after).toHaveLength(1);
    expect(out.refused).toBe(3);
  });

  // SQLite evaluates `x IN (a, b, c)` over three or more constants through an ephemeral table; the
  // first one a connection needs opens its temporary database, which costs a new object (every
  // person is one) about as much as creating its tables. A person's own tables check with comparisons.
  it("no CHECK of a person's own tables holds an IN list of three or more constants", async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName('schema-baseline:in-lists'));
    const texts = await runInDurableObject(stub, async (_o, state) => {
      await state.storage.deleteAll();
      migrate(state.storage.sql, personSchema);
      const rows = state.storage.sql
        .exec<{ name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
        )
        .toArray();
      await state.storage.deleteAll();
      return rows;
    });
    expect(texts.map((t) => t.name)).toContain('person');
    const inLists = texts.filter((t) => /\bIN\s*\(\s*[^,()]+(,[^,()]+){2,}\)/i.test(t.sql)).map((t) => t.name);
    expect(inLists).toEqual([]);
  });
});
