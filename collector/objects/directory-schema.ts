// DirectoryObject's SQLite schema, one entry per version. Never edit a shipped step: append a new one.
export const directorySchema = [
  `CREATE TABLE people (
     key TEXT PRIMARY KEY CHECK (length(key) = 64),
     email TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     rev INTEGER NOT NULL,
     attributes TEXT NOT NULL CHECK (json_valid(attributes))
   );
   CREATE INDEX people_email ON people (email);
   CREATE TABLE suppressions (
     key TEXT PRIMARY KEY CHECK (length(key) = 64),
     at INTEGER NOT NULL
   );`,
];
