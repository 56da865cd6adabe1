// VisitorObject's SQLite schema, one entry per version. Never edit a shipped step: append a new one.
export const visitorSchema = [
  `CREATE TABLE visitor (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     person_key TEXT CHECK (person_key IS NULL OR length(person_key) = 64),
     ip TEXT,
     user_agent TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE touches (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     landing_url TEXT,
     referrer TEXT,
     raw TEXT,
     UNIQUE (kind, value)
   );
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   );
   CREATE INDEX messages_at ON messages (at);`,
];
