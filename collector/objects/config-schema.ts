// ConfigObject's SQLite schema, one entry per version. Never edit a shipped step: append a new one.
export const configSchema = [
  // v1 (ingest): API keys (only their SHA-256 is stored) with scope or allowed origins, and jobs.
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL CHECK (type IN ('secret', 'publishable')),
     scope TEXT CHECK ((type = 'secret' AND scope IN ('ingest', 'admin')) OR (type = 'publishable' AND scope IS NULL)),
     hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
     hint TEXT NOT NULL,
     origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(origins)),
     name TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     total INTEGER NOT NULL CHECK (total >= 0),
     applied INTEGER NOT NULL DEFAULT 0,
     suppressed INTEGER NOT NULL DEFAULT 0,
     failed INTEGER NOT NULL DEFAULT 0,
     rejected INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX jobs_created ON jobs (created_at);
   CREATE TABLE settings (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // v2 (dead letters): rows of a People API job the JOBS queue gave up on (collector/ingest/dead-letters.ts),
  // kept with the reason until an operator retries them (POST /api/jobs/{id}/retry) or the job expires.
  `CREATE TABLE job_failures (
     job_id TEXT NOT NULL,
     email TEXT NOT NULL,
     rows TEXT NOT NULL CHECK (json_valid(rows)),
     reason TEXT NOT NULL,
     failed_at INTEGER NOT NULL,
     PRIMARY KEY (job_id, email)
   );`,
];
