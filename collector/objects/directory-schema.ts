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

// v2 (admin overview): when the person last identified (browser or Segment) and their stored click
// IDs counted per kind, so the overview's counts read the shards, not every PersonObject.
directorySchema.push(
  `ALTER TABLE people ADD COLUMN identified_at INTEGER;
   ALTER TABLE people ADD COLUMN clicks TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(clicks));
   CREATE INDEX people_identified ON people (identified_at);
   CREATE INDEX people_created ON people (created_at);`,
);

// v3 (visitor registry, collector/visitor-registry.ts): the anonymous ids whose VisitorObject holds
// touches, so an identify asks a shard already open instead of opening an object that has nothing.
directorySchema.push(
  `CREATE TABLE visitors (
     id TEXT PRIMARY KEY,
     seen_at INTEGER NOT NULL
   );
   CREATE INDEX visitors_seen ON visitors (seen_at);`,
);
