// The ConfigObject's audience tables, on their own migration track ('audiences'). Append steps only.
export const configAudiencesSchema = [
  `CREATE TABLE audiences (
     id TEXT PRIMARY KEY,
     definition TEXT NOT NULL CHECK (json_valid(definition)),
     version INTEGER NOT NULL CHECK (version >= 1),
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE audience_conversions (
     id TEXT PRIMARY KEY,
     audience_id TEXT NOT NULL,
     settings TEXT NOT NULL CHECK (json_valid(settings)),
     enabled_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX audience_conversions_audience ON audience_conversions (audience_id);
   -- Bumped on every audience or conversion change; PersonObjects cache the config per version.
   CREATE TABLE audience_config_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
   INSERT INTO audience_config_version (id, version) VALUES (1, 0);
   CREATE TABLE audience_jobs (
     id TEXT PRIMARY KEY,
     audience_id TEXT NOT NULL,
     audience_version INTEGER NOT NULL,
     reason TEXT NOT NULL CHECK (reason IN ('created', 'edited', 'conversion', 'deleted')),
     status TEXT NOT NULL CHECK (status IN ('running', 'done', 'superseded')),
     total INTEGER NOT NULL CHECK (total >= 0),
     evaluated INTEGER NOT NULL DEFAULT 0 CHECK (evaluated >= 0),
     members INTEGER NOT NULL DEFAULT 0 CHECK (members >= 0),
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX audience_jobs_audience ON audience_jobs (audience_id, created_at);
   -- Resumable fan-out: one cursor per directory shard; a page is applied once (cursor must match).
   CREATE TABLE audience_job_shards (
     job_id TEXT NOT NULL,
     shard INTEGER NOT NULL,
     cursor TEXT NOT NULL DEFAULT '',
     prev_cursor TEXT,
     done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
     PRIMARY KEY (job_id, shard)
   );
   -- Current members per audience, pushed by PersonObjects when their membership changes.
   CREATE TABLE audience_members (
     audience_id TEXT NOT NULL,
     person_key TEXT NOT NULL,
     timestamp_ms INTEGER,
     since INTEGER NOT NULL,
     PRIMARY KEY (audience_id, person_key)
   );`,
  // People a populate job could not evaluate after its last attempts (counted apart from `evaluated`).
  `ALTER TABLE audience_jobs ADD COLUMN failed INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0);`,
];
