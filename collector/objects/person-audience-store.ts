// The person's membership tables (audience_state, audience_entries, audience_exits, conversions,
// retractions): the only code that reads or writes them. They are created with the person's first
// audience row (personAudienceSchema, its own migration track); most people never have one.
// (Over 300 lines: an evaluation plan is written in one transaction across the five tables, and the
// statements that write it sit together.)
import type { AudiencePrior, EvaluationPlan } from '../audiences/plan';
import type { ConversionRow, ConversionStatus, Entry, MembershipChange, SkipReason } from '../audiences/types';
import { migrate } from './sql';
import { personAudienceSchema } from './person-schema';

type StateRow = { audience_id: string; member: number; timestamp_ms: number | null; since: number; indexed: number };
type EntryRow = { id: string; audience_id: string; timestamp: number; entered_at: number };
export type ConversionDbRow = {
  id: string;
  entry_id: string;
  audience_id: string;
  conversion_id: string;
  destination_id: string;
  timestamp: number;
  status: ConversionStatus;
  reason: SkipReason | null;
  handed_off_at: number | null;
  created_at: number;
  updated_at: number;
};
export type RetractionDbRow = {
  id: string;
  conversion_row_id: string;
  entry_id: string;
  audience_id: string;
  conversion_id: string;
  destination_id: string;
  timestamp: number;
  retract_at: number;
  status: 'pending' | 'skipped' | 'cancelled';
  reason: string | null;
  handed_off_at: number | null;
  created_at: number;
  updated_at: number;
};

export class PersonAudienceStore {
  /**
   * Whether the tables exist; null: not looked yet. Kept because every evaluation asks and the answer
   * changes only here (ensureTables) and on erasure (forget): the look-up is a sqlite_master query
   * plus, the first time, the track's migration check.
   */
  private tables: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** The database was just created: it has no audience tables (no look-up, a new person's hot path). */
  created(): void {
    this.tables = false;
  }

  hasTables(): boolean {
    if (this.tables === null) {
      this.tables =
        this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audience_state'").toArray().length >
        0;
      // Tables made by an earlier release get the track's later steps (retractions) once per instance.
      if (this.tables) migrate(this.sql, personAudienceSchema, 'audiences');
    }
    return this.tables;
  }

  /** After erasure (every table dropped) or a rolled-back creation: look again. */
  forget(): void {
    this.tables = null;
  }

  /** What an evaluation starts from (see AudiencePrior); `consent` is the person's. */
  prior(consent: AudiencePrior['consent']): AudiencePrior {
    if (!this.hasTables())
      return { tracked: false, consent, states: [], entries: [], conversions: [], openRetractions: [] };
    return {
      tracked: true,
      consent,
      states: this.sql
        .exec<StateRow>('SELECT * FROM audience_state ORDER BY audience_id')
        .toArray()
        .map((r) => ({ audienceId: r.audience_id, member: r.member === 1, timestampMs: r.timestamp_ms })),
      entries: this.entries(),
      conversions: this.sql
        .exec<ConversionDbRow>('SELECT * FROM conversions ORDER BY id')
        .toArray()
        .map((r) => ({
          id: r.id,
          entryId: r.entry_id,
          audienceId: r.audience_id,
          conversionId: r.conversion_id,
          timestamp: r.timestamp,
          status: r.status,
          reason: r.reason,
          handedOff: r.handed_off_at !== null,
        })),
      openRetractions: this.sql
        .exec<{ id: string; audience_id: string; conversion_id: string }>(
          `SELECT id, audience_id, conversion_id FROM retractions WHERE status = 'pending' AND handed_off_at IS NULL ORDER BY id`,
        )
        .toArray()
        .map((r) => ({ id: r.id, audienceId: r.audience_id, conversionId: r.conversion_id })),
    };
  }

  /**
   * Writes a plan (inside the caller's transaction). `entryIds`: the id of each new entry, by audience.
   * Returns the entries as recorded.
   */
  apply(plan: EvaluationPlan, entryIds: Map<string, string>, now: number): Entry[] {
    if (!this.hasTables()) {
      // Rolled back with the transaction when it fails: then looked up again.
      migrate(this.sql, personAudienceSchema, 'audiences');
      this.tables = null;
    }
    const entries: Entry[] = [];
    for (const e of plan.entries) {
      const id = entryIds.get(e.audienceId)!;
      this.sql.exec(
        'INSERT INTO audience_entries (id, audience_id, timestamp, entered_at) VALUES (?, ?, ?, ?)',
        id,
        e.audienceId,
        e.timestamp,
        now,
      );
      entries.push({ id, audienceId: e.audienceId, timestamp: e.timestamp, enteredAt: now });
    }
    for (const x of plan.exits)
      this.sql.exec(
        'INSERT INTO audience_exits (audience_id, at, reason, timestamp_ms) VALUES (?, ?, ?, ?)',
        x.audienceId,
        now,
        x.reason,
        x.timestampMs,
      );
    for (const s of plan.states) {
      this.sql.exec(
        `INSERT INTO audience_state (audience_id, member, timestamp_ms, since, indexed) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (audience_id) DO UPDATE SET member = excluded.member, timestamp_ms = excluded.timestamp_ms, since = excluded.since, indexed = 0`,
        s.audienceId,
        Number(s.member),
        s.timestampMs,
        now,
      );
    }
    for (const id of plan.dropStates) this.sql.exec('DELETE FROM audience_state WHERE audience_id = ?', id);
    for (const u of plan.conversionUpdates)
      this.sql.exec(
        'UPDATE conversions SET status = ?, reason = ?, updated_at = ? WHERE id = ?',
        u.status,
        u.reason,
        now,
        u.id,
      );
    for (const r of plan.retractions) {
      this.sql.exec(
        `INSERT OR IGNORE INTO retractions (id, conversion_row_id, entry_id, audience_id, conversion_id, destination_id, timestamp, retract_at, status, reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        `${r.conversionRowId}:retract`,
        r.conversionRowId,
        r.entryId,
        r.audienceId,
        r.conversionId,
        r.destinationId,
        r.timestamp,
        r.retractAt,
        r.status,
        r.reason,
        now,
        now,
      );
    }
    for (const c of plan.newConversions) {
      const entryId = c.entryId ?? entryIds.get(c.audienceId)!;
      this.sql.exec(
        `INSERT OR IGNORE INTO conversions (id, entry_id, audience_id, conversion_id, destination_id, timestamp, status, reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        `${entryId}:${c.conversionId}`,
        entryId,
        c.audienceId,
        c.conversionId,
        c.destinationId,
        c.timestamp,
        c.status,
        c.reason,
        now,
        now,
      );
    }
    for (const id of plan.cancelRetractions)
      this.sql.exec(`UPDATE retractions SET status = 'cancelled', updated_at = ? WHERE id = ?`, now, id);
    return entries;
  }

  entries(audienceId?: string): Entry[] {
    if (!this.hasTables()) return [];
    const rows =
      audienceId === undefined
        ? this.sql.exec<EntryRow>('SELECT * FROM audience_entries ORDER BY entered_at, timestamp')
        : this.sql.exec<EntryRow>(
            'SELECT * FROM audience_entries WHERE audience_id = ? ORDER BY entered_at, timestamp',
            audienceId,
          );
    return rows
      .toArray()
      .map((r) => ({ id: r.id, audienceId: r.audience_id, timestamp: r.timestamp, enteredAt: r.entered_at }));
  }

  exits(): { audienceId: string; at: number; reason: string; timestampMs: number | null }[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<{ audience_id: string; at: number; reason: string; timestamp_ms: number | null }>(
        'SELECT * FROM audience_exits ORDER BY at',
      )
      .toArray()
      .map((r) => ({ audienceId: r.audience_id, at: r.at, reason: r.reason, timestampMs: r.timestamp_ms }));
  }

  conversions(personKey: string): ConversionRow[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<ConversionDbRow>('SELECT * FROM conversions ORDER BY created_at, id')
      .toArray()
      .map((r) => toRow(r, personKey));
  }

  conversion(
    entryId: string,
    conversionId: string,
  ): { id: string; status: ConversionStatus; reason: SkipReason | null } | undefined {
    if (!this.hasTables()) return undefined;
    return this.sql
      .exec<{ id: string; status: ConversionStatus; reason: SkipReason | null }>(
        'SELECT id, status, reason FROM conversions WHERE entry_id = ? AND conversion_id = ?',
        entryId,
        conversionId,
      )
      .toArray()[0];
  }

  retractions(): RetractionDbRow[] {
    if (!this.hasTables()) return [];
    return this.sql.exec<RetractionDbRow>('SELECT * FROM retractions ORDER BY created_at, id').toArray();
  }

  /** Rows due for the destinations' outboxes, oldest first. */
  unhandedConversions(personKey: string): ConversionRow[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<ConversionDbRow>(
        `SELECT * FROM conversions WHERE status = 'pending' AND handed_off_at IS NULL ORDER BY created_at`,
      )
      .toArray()
      .map((r) => toRow(r, personKey));
  }

  unhandedRetractions(): RetractionDbRow[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<RetractionDbRow>(
        `SELECT * FROM retractions WHERE status = 'pending' AND handed_off_at IS NULL ORDER BY created_at`,
      )
      .toArray();
  }

  conversionHandedOff(id: string, now: number): void {
    this.sql.exec(`UPDATE conversions SET handed_off_at = ? WHERE id = ? AND status = 'pending'`, now, id);
  }

  retractionHandedOff(id: string, now: number): void {
    this.sql.exec('UPDATE retractions SET handed_off_at = ? WHERE id = ?', now, id);
  }

  /** Memberships not yet in the members index. */
  unindexed(): MembershipChange[] {
    if (!this.hasTables()) return [];
    return this.sql.exec<StateRow>('SELECT * FROM audience_state WHERE indexed = 0').toArray().map(toChange);
  }

  markIndexed(changes: MembershipChange[]): void {
    for (const c of changes)
      this.sql.exec(
        'UPDATE audience_state SET indexed = 1 WHERE audience_id = ? AND since = ? AND member = ?',
        c.audienceId,
        c.since,
        Number(c.member),
      );
  }

  /** Every membership, marked indexed (for a caller that writes the members index itself). */
  takeIndex(): MembershipChange[] {
    if (!this.hasTables()) return [];
    const rows = this.sql.exec<StateRow>('SELECT * FROM audience_state').toArray();
    if (rows.some((r) => r.indexed === 0)) this.sql.exec('UPDATE audience_state SET indexed = 1 WHERE indexed = 0');
    return rows.map(toChange);
  }

  /** The index taken could not be handed to the caller: the object's own push writes it again. */
  unindex(): void {
    this.sql.exec('UPDATE audience_state SET indexed = 0');
  }
}

function toChange(r: StateRow): MembershipChange {
  return { audienceId: r.audience_id, member: r.member === 1, timestampMs: r.timestamp_ms, since: r.since };
}

export function toRow(r: ConversionDbRow, personKey: string): ConversionRow {
  return {
    id: r.id,
    entryId: r.entry_id,
    audienceId: r.audience_id,
    conversionId: r.conversion_id,
    destinationId: r.destination_id,
    personKey,
    timestamp: r.timestamp,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
