// DestinationObject's match-coverage tables, a migration track of their own (migrate's `track`), so
// they never renumber the outbox's steps. Never edit a shipped step: append a new one.
// v1: each built conversion's keys and score, recorded with it; counters per week (Monday-start,
// UTC) for the overview's trend (sql-outbox-store.ts countCoverage says why counters).
export const destinationCoverageSchema = [
  `ALTER TABLE outbox ADD COLUMN coverage TEXT CHECK (coverage IS NULL OR json_valid(coverage));
   CREATE TABLE coverage_weeks (
     week INTEGER PRIMARY KEY,
     conversions INTEGER NOT NULL CHECK (conversions >= 0),
     score_sum REAL NOT NULL,
     keys TEXT NOT NULL CHECK (json_valid(keys))
   );`,
];
