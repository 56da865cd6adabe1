// DestinationObject's SQLite schema, one entry per version. Never edit a shipped step: append a new one.
export const destinationSchema = [
  `CREATE TABLE config (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     destination_id TEXT NOT NULL,
     type TEXT NOT NULL,
     mode TEXT NOT NULL CHECK (mode IN ('dry_run', 'test', 'live')),
     sealed_settings TEXT NOT NULL,
     endpoint TEXT,
     token_endpoint TEXT,
     paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE outbox (
     id TEXT PRIMARY KEY,
     item TEXT CHECK (item IS NULL OR json_valid(item)),
     status TEXT NOT NULL CHECK (status IN ('queued', 'leased', 'sent', 'unmatched', 'pending_confirmation', 'failed', 'dead_letter', 'skipped')),
     attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
     due_at INTEGER NOT NULL,
     lease_until INTEGER,
     batch_cap INTEGER CHECK (batch_cap IS NULL OR batch_cap >= 1),
     deadline INTEGER,
     request_id TEXT,
     skip_reason TEXT,
     error TEXT CHECK (error IS NULL OR json_valid(error)),
     note TEXT,
     last_request_id TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     sent_at INTEGER
   );
   CREATE INDEX outbox_due ON outbox (status, due_at);
   CREATE INDEX outbox_created ON outbox (created_at);
   CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL,
     mode TEXT NOT NULL,
     row_ids TEXT NOT NULL CHECK (json_valid(row_ids)),
     request TEXT NOT NULL CHECK (json_valid(request)),
     status INTEGER,
     response TEXT,
     duration_ms INTEGER NOT NULL
   );
   CREATE INDEX requests_at ON requests (at);`,
  `ALTER TABLE config ADD COLUMN name TEXT NOT NULL DEFAULT ''`,
];

// v3 (delivery log across destinations): where each row came from, so /api/conversions filters by
// audience and person inside each outbox (indexed), and erasure finds a person's rows.
destinationSchema.push(
  `ALTER TABLE outbox ADD COLUMN entry_id TEXT;
   ALTER TABLE outbox ADD COLUMN audience_id TEXT;
   ALTER TABLE outbox ADD COLUMN conversion_id TEXT;
   ALTER TABLE outbox ADD COLUMN person_key TEXT;
   ALTER TABLE outbox ADD COLUMN email TEXT;
   CREATE INDEX outbox_log ON outbox (created_at, id);
   CREATE INDEX outbox_status_log ON outbox (status, created_at, id);
   CREATE INDEX outbox_audience_log ON outbox (audience_id, created_at, id);
   CREATE INDEX outbox_person_log ON outbox (person_key, created_at, id);
   CREATE INDEX outbox_entry ON outbox (entry_id);`,
);

// v4: no query filters the outbox by entry_id any more (the log reads by status, audience, person or
// key), so its index only cost a write per row.
destinationSchema.push(`DROP INDEX IF EXISTS outbox_entry`);

// v5: whether defaultConsent was saved by a version that offers 'unknown' (then it is the operator's
// explicit choice); rows saved before read a stored 'granted' as the old default, 'unknown'.
destinationSchema.push(
  `ALTER TABLE config ADD COLUMN consent_default_chosen INTEGER NOT NULL DEFAULT 0 CHECK (consent_default_chosen IN (0, 1))`,
);
// v6 (retractions): a row is a conversion or the retraction of one (keyed `<its key>:retract`).
destinationSchema.push(
  `ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'conversion' CHECK (kind IN ('conversion', 'retraction'))`,
);
