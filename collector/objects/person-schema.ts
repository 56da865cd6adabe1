// PersonObject's SQLite schema, one entry per version. Never edit a shipped step: append a new one.
export const personSchema = [
  `CREATE TABLE person (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     email TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE attributes (
     source TEXT PRIMARY KEY,
     data TEXT NOT NULL CHECK (json_valid(data)),
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE touches (
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     landing_url TEXT,
     referrer TEXT,
     anonymous_id TEXT,
     PRIMARY KEY (kind, value)
   );
   CREATE TABLE devices (
     anonymous_id TEXT PRIMARY KEY,
     ip TEXT,
     user_agent TEXT,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   );
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   );
   CREATE INDEX messages_at ON messages (at);`,
];

// v2 (ingest): the raw cookie of a touch, the person's object key and revision, consent, devices
// merged from their VisitorObject, the suppression tombstone left by erasure, and the outbox that
// keeps the directory shard and visitor merges in step without losing an update.
personSchema.push(
  `ALTER TABLE touches ADD COLUMN raw TEXT;
   CREATE INDEX touches_first_seen ON touches (first_seen);
   ALTER TABLE person ADD COLUMN key TEXT CHECK (key IS NULL OR length(key) = 64);
   ALTER TABLE person ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE person ADD COLUMN consent_ads TEXT CHECK (consent_ads IN ('granted', 'denied', 'unknown'));
   ALTER TABLE person ADD COLUMN consent_at INTEGER;
   ALTER TABLE devices ADD COLUMN linked INTEGER NOT NULL DEFAULT 0 CHECK (linked IN (0, 1));
   CREATE TABLE tombstone (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     key TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE TABLE pending_links (
     anonymous_id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   );
   CREATE TABLE directory_sync (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     rev INTEGER NOT NULL,
     synced_rev INTEGER NOT NULL
   );`,
);

// v3 was the audience tables; they moved to their own track below, created when a person first has
// an audience row, so the many people who never do don't carry eleven empty tables and indexes. A
// database that ran the old v3 keeps its tables, and the track adopts them (IF NOT EXISTS).
personSchema.push('SELECT 1');

// v4 (admin overview): the time of the last identify, for "identified this week".
personSchema.push(`ALTER TABLE person ADD COLUMN identified_at INTEGER;`);

// The audiences track (collector/objects/person-audiences.ts): current membership, entries, exits
// and the conversion rows (entry x conversion) handed to delivery.
export const personAudienceSchema = [
  `CREATE TABLE IF NOT EXISTS audience_state (
     audience_id TEXT PRIMARY KEY,
     member INTEGER NOT NULL CHECK (member IN (0, 1)),
     timestamp_ms INTEGER,
     since INTEGER NOT NULL,
     indexed INTEGER NOT NULL DEFAULT 0 CHECK (indexed IN (0, 1))
   );
   CREATE TABLE IF NOT EXISTS audience_entries (
     id TEXT PRIMARY KEY,
     audience_id TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     entered_at INTEGER NOT NULL,
     UNIQUE (audience_id, timestamp)
   );
   CREATE TABLE IF NOT EXISTS audience_exits (
     audience_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     reason TEXT NOT NULL CHECK (reason IN ('criteria', 'no_timestamp', 'timestamp_too_old', 'timestamp_in_future', 'audience_deleted')),
     timestamp_ms INTEGER
   );
   CREATE INDEX IF NOT EXISTS audience_exits_audience ON audience_exits (audience_id, at);
   CREATE TABLE IF NOT EXISTS conversions (
     id TEXT PRIMARY KEY,
     entry_id TEXT NOT NULL,
     audience_id TEXT NOT NULL,
     conversion_id TEXT NOT NULL,
     destination_id TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'paused', 'skipped', 'cancelled', 'sending', 'sent', 'pending_confirmation', 'unmatched', 'failed', 'dead')),
     reason TEXT,
     handed_off_at INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (entry_id, conversion_id)
   );
   CREATE INDEX IF NOT EXISTS conversions_status ON conversions (status);`,
];

// v5 (identify hot path): message ids keyed by the id itself (WITHOUT ROWID), so recording one writes
// two b-trees (the ids and their times), not three.
personSchema.push(
  `CREATE TABLE messages_by_id (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO messages_by_id (id, at) SELECT id, at FROM messages;
   DROP TABLE messages;
   ALTER TABLE messages_by_id RENAME TO messages;
   CREATE INDEX messages_at ON messages (at);`,
);

// v6 (identify hot path): the other tables keyed by text, keyed by it (WITHOUT ROWID): a new person's
// database has four b-trees fewer, and each write to them touches one b-tree instead of two.
personSchema.push(
  `CREATE TABLE attributes_by_source (
     source TEXT PRIMARY KEY,
     data TEXT NOT NULL CHECK (json_valid(data)),
     updated_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO attributes_by_source (source, data, updated_at) SELECT source, data, updated_at FROM attributes;
   DROP TABLE attributes;
   ALTER TABLE attributes_by_source RENAME TO attributes;

   CREATE TABLE devices_by_id (
     anonymous_id TEXT PRIMARY KEY,
     ip TEXT,
     user_agent TEXT,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     linked INTEGER NOT NULL DEFAULT 0 CHECK (linked IN (0, 1))
   ) WITHOUT ROWID;
   INSERT INTO devices_by_id (anonymous_id, ip, user_agent, first_seen, last_seen, linked)
     SELECT anonymous_id, ip, user_agent, first_seen, last_seen, linked FROM devices;
   DROP TABLE devices;
   ALTER TABLE devices_by_id RENAME TO devices;

   CREATE TABLE pending_links_by_id (
     anonymous_id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO pending_links_by_id (anonymous_id, at) SELECT anonymous_id, at FROM pending_links;
   DROP TABLE pending_links;
   ALTER TABLE pending_links_by_id RENAME TO pending_links;

   CREATE TABLE touches_by_click (
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     landing_url TEXT,
     referrer TEXT,
     anonymous_id TEXT,
     raw TEXT,
     PRIMARY KEY (kind, value)
   ) WITHOUT ROWID;
   INSERT INTO touches_by_click (kind, value, first_seen, last_seen, landing_url, referrer, anonymous_id, raw)
     SELECT kind, value, first_seen, last_seen, landing_url, referrer, anonymous_id, raw FROM touches;
   DROP TABLE touches;
   ALTER TABLE touches_by_click RENAME TO touches;
   CREATE INDEX touches_first_seen ON touches (first_seen);`,
);

// v7 (identify hot path): two indexes and a table fewer. Message ids are pruned by a scan once an hour
// (a repeat identify then writes one b-tree, the ids); touches (at most 500 a person) by a scan; the
// revision last pushed to the directory moves onto the person row.
personSchema.push(
  `DROP INDEX messages_at;
   DROP INDEX touches_first_seen;
   ALTER TABLE person ADD COLUMN synced_rev INTEGER NOT NULL DEFAULT 0;
   UPDATE person SET synced_rev = coalesce((SELECT synced_rev FROM directory_sync), 0);
   DROP TABLE directory_sync;`,
);

// v8: the country of a device's IP (the request's CF-IPCountry / cf.country), kept with the IP: Google
// must not receive IPs from the EEA, the UK or Switzerland. Devices stored before have none (unknown).
personSchema.push(`ALTER TABLE devices ADD COLUMN country TEXT`);
// v9 (identify hot path): the consent CHECK without an IN list. SQLite evaluates an IN over three or
// more constants through an ephemeral table, and the first one a connection needs opens its temporary
// database: that was about a fifth of the CPU of creating a person (each new object compiles its
// statements afresh, so the person's INSERT paid it every time). The same rule, as comparisons.
personSchema.push(
  `CREATE TABLE person_v9 (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     email TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     key TEXT CHECK (key IS NULL OR length(key) = 64),
     rev INTEGER NOT NULL DEFAULT 0,
     consent_ads TEXT CHECK (consent_ads = 'granted' OR consent_ads = 'denied' OR consent_ads = 'unknown'),
     consent_at INTEGER,
     identified_at INTEGER,
     synced_rev INTEGER NOT NULL DEFAULT 0
   );
   INSERT INTO person_v9 (id, email, created_at, updated_at, key, rev, consent_ads, consent_at, identified_at, synced_rev)
     SELECT id, email, created_at, updated_at, key, rev, consent_ads, consent_at, identified_at, synced_rev FROM person;
   DROP TABLE person;
   ALTER TABLE person_v9 RENAME TO person;`,
);
// v2 of the audiences track (retractions): a conversion withdrawn when the person leaves the
// audience for a reason its conversion marks as a reversal (retractOn). One row per conversion row
// at most (exactly once); handed to the destination's outbox like a conversion row.
personAudienceSchema.push(
  `CREATE TABLE IF NOT EXISTS retractions (
     id TEXT PRIMARY KEY,
     conversion_row_id TEXT NOT NULL UNIQUE,
     entry_id TEXT NOT NULL,
     audience_id TEXT NOT NULL,
     conversion_id TEXT NOT NULL,
     destination_id TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     retract_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'skipped', 'cancelled')),
     reason TEXT,
     handed_off_at INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX IF NOT EXISTS retractions_status ON retractions (status, handed_off_at);`,
);

// Tables a new database leaves out until its first write to them: most people never have a click ID,
// a queued visitor link or an erasure, and each table left out is a b-tree fewer (a statement compiled,
// a page written) in the commit that creates the person. Each text is the table exactly as the steps
// above leave it (test/worker/schema-baseline.test.ts compares them). A later step that changes one of
// these tables must first create it where it is missing (its text here, with IF NOT EXISTS), and
// then update its text here.
export const personLaterTables = {
  touches: `CREATE TABLE "touches" (
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     landing_url TEXT,
     referrer TEXT,
     anonymous_id TEXT,
     raw TEXT,
     PRIMARY KEY (kind, value)
   ) WITHOUT ROWID`,
  tombstone: `CREATE TABLE tombstone (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     key TEXT NOT NULL,
     at INTEGER NOT NULL
   )`,
  pending_links: `CREATE TABLE "pending_links" (
     anonymous_id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   ) WITHOUT ROWID`,
} as const;
export type LaterTable = keyof typeof personLaterTables;
export const laterTableNames = Object.keys(personLaterTables) as LaterTable[];
