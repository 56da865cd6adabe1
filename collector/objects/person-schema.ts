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
