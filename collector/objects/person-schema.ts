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
