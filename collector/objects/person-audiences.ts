// A person's audiences, inside their PersonObject (the one writer): membership, entries and exits
// with their times, conversion rows, the boundary alarm, and the audit of one membership.
import { entryId, fieldsUsed, getPath, membership, nextBoundary, type NonMemberReason } from '../../shared/criteria';
import { retractionFor } from '../audiences/retraction-rules';
import { toEpochSeconds } from '../../shared/time';
import type { Env } from '../env';
import { personKey } from '../identity';
import { loadAudienceConfig, noteAudienceConfig, refreshAudienceConfig } from '../audiences/config-cache';
import { attributesFor, decide, rowFor } from '../audiences/entry-rules';
import { deliveryRow, handOff, identitySources } from '../audiences/hand-off';
import type { IdentifierSource } from '../audiences/identity-mapping';
import { handOffRetractions } from '../audiences/retraction-hand-off';
import type { PersonView } from '../delivery/conversion-row';
import type { ConversionRow as DeliveryRow } from '../delivery/types';
import { describeValue } from '../audiences/describe-value';
import type { AudienceConfig, AuditSkip, ConversionRow, ConversionStatus, Entry, EvaluationResult, MembershipChange, SkipReason } from '../audiences/types';
import { migrate } from './sql';
import { personAudienceSchema } from './person-schema';
import { configObject } from './doors';

type Audience = AudienceConfig['audiences'][number];
type StateRow = { audience_id: string; member: number; timestamp_ms: number | null; since: number; indexed: number };
type EntryRow = { id: string; audience_id: string; timestamp: number; entered_at: number };
type ConversionDbRow = {
  id: string; entry_id: string; audience_id: string; conversion_id: string; destination_id: string; timestamp: number;
  status: ConversionStatus; reason: SkipReason | null; handed_off_at: number | null; created_at: number; updated_at: number;
};

type RetractionDbRow = {
  id: string; conversion_row_id: string; entry_id: string; audience_id: string; conversion_id: string; destination_id: string; timestamp: number;
  retract_at: number; status: 'pending' | 'skipped' | 'cancelled'; reason: string | null; handed_off_at: number | null; created_at: number; updated_at: number;
};

export interface PersonAudit {
  personKey: string;
  email: string;
  member: boolean;
  reason: NonMemberReason | null;
  /** The timestamp attribute, parsed (epoch seconds), or null. */
  timestamp: number | null;
  /** The attribute values the criteria and the timestamp read. */
  values: Record<string, { value: unknown; parsed?: string }>;
  entries: Entry[];
  /**
   * Per conversion configured, for the entry that counts: why it would be skipped, or the delivery
   * row that the destination's own builder turns into the payload (collector/audiences/audit.ts).
   */
  conversions: ({ conversionId: string; destinationId: string; entryId: string | null; status: ConversionStatus | null } & (
    | { row: DeliveryRow; identity: IdentifierSource[] }
    | { skip: AuditSkip; detail: string }
  ))[];
}

export interface EvaluateOptions {
  /** Return the memberships instead of pushing them to the members index (populate batches them). */
  returnIndex?: boolean;
}

const MAX_ATTEMPTS = 4;
const RETRY_MS = 60_000;
/**
 * How long a conversion waits for the person's pending visitor links (queued by an identify, merged
 * by the PersonObject's alarm about OUTBOX_DELAY_MS later, retried every 5 s when the registry or a
 * VisitorObject fails): the payload is built at hand-off, so it waits for the visitor's click IDs and
 * device. After this, counted from the oldest pending link, it is handed off with what the person has.
 */
export const LINK_WAIT_MS = 60_000;

export class PersonAudiences {
  private key: string | null = null;
  private indexing: Promise<void> = Promise.resolve();
  /** Whether this person's audience tables exist (created with the first row they hold); null: not looked. */
  private tables: boolean | null = null;
  /**
   * In memory only: the config of the last evaluation that left nothing pending, and the next
   * boundary it found. Until then, a change that touched no attribute and no consent (an identify
   * repeating what is known) cannot change any membership or row, so it skips the evaluation.
   */
  private quiet: { cfg: AudienceConfig; until: number } | null = null;
  /**
   * The highest config version this object has evaluated with (in memory: an instance outlives the
   * isolate's cache TTL, and a new one starts after a while idle, when every cache is newer).
   * No evaluation uses an older config: a change right after a populate job reached the person
   * with a fresh config is never evaluated with the isolate's cache from before the save.
   */
  private configVersion = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    /** Arms the object's one alarm no later than `at` (the PersonObject's scheduler, shared with its other work). */
    private readonly schedule: (at: number) => Promise<void>,
  ) {}

  private get sql() {
    return this.ctx.storage.sql;
  }

  /**
   * Re-evaluates every audience for this person at `now` (epoch ms). `config` comes from a populate
   * job (fresh) or, when absent, from the per-isolate cache.
   */
  async evaluate(now: number, config?: AudienceConfig, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    let cfg = await this.config(config);
    // A given config was read from the ConfigObject for this evaluation; the cache's may predate a
    // save made in another isolate (up to CONFIG_TTL_MS ago), which only matters for an entry.
    let current = config !== undefined;
    this.quiet = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const email = this.email();
      if (email === null) return { known: false, personKey: null, members: [], entries: [], exits: [], nextBoundary: null };
      const key = await this.personKeyOf(email);
      const { attributes, fingerprint } = this.attributes();
      // Entry ids need SHA-256 (async), so they are computed before the synchronous transaction.
      const ids = new Map<string, string>();
      for (const audience of cfg.audiences) {
        const m = membership(audience, attributesFor(audience, attributes), now);
        if (m.member) ids.set(audience.id, await entryId(audience.id, key, toEpochSeconds(m.timestampMs!)));
      }
      // An entry fires conversions and is never taken back: it is recorded only on the current
      // config (an edit saved elsewhere a moment ago that excludes this person must not send them).
      // One ConfigObject read per new entry from the cache's config; entries are rare.
      if (!current && this.wouldEnter(cfg, attributes, ids, now)) {
        current = true;
        const fresh = await refreshAudienceConfig(this.env);
        if (fresh.version > cfg.version) {
          cfg = fresh;
          this.configVersion = Math.max(this.configVersion, fresh.version);
          attempt--;
          continue;
        }
      }
      // A person with no audience row and no membership now has nothing to record or reconcile.
      const result = !ids.size && !this.hasTables() ? this.untracked(cfg, attributes, key, now) : this.ctx.storage.transactionSync(() => {
        // Another change landed while hashing: evaluate again on the new attributes.
        if (this.attributes().fingerprint !== fingerprint) return null;
        this.ensureTables();
        return this.apply(cfg, attributes, key, ids, now);
      });
      if (!result) continue;
      if (options.returnIndex) result.index = this.takeIndex();
      let clean: boolean;
      try {
        clean = await this.afterApply(cfg, key, result.nextBoundary, now);
      } catch (e) {
        // The caller gets no index to write after all: the rows go back to this object's own push
        // (its next evaluation), or a populate that counts this person as failed would leave them out.
        if (result.index?.length) this.sql.exec('UPDATE audience_state SET indexed = 0');
        throw e;
      }
      if (clean && !config && !options.returnIndex) this.quiet = { cfg, until: result.nextBoundary ?? Number.POSITIVE_INFINITY };
      return result;
    }
    throw new Error('attributes kept changing during audience evaluation');
  }

  /** After a change to the person: never fails the change; a failed evaluation retries on the alarm. */
  async afterChange(now: number, attributesChanged = true): Promise<void> {
    try {
      if (!attributesChanged && this.quiet && now < this.quiet.until && this.quiet.cfg === (await this.config())) {
        // The object's one alarm may just have been spent on other work: keep the boundary armed.
        if (this.quiet.until !== Number.POSITIVE_INFINITY) await this.schedule(this.quiet.until);
        return;
      }
      await this.evaluate(now);
    } catch (e) {
      console.error('audience evaluation failed; retrying on the alarm', errorName(e));
      await this.schedule(Date.now() + RETRY_MS);
    }
  }

  /** The boundary alarm: membership follows time with no new data. */
  async onAlarm(now: number): Promise<void> {
    // The alarm also runs the person's other deferred work: evaluate only when a boundary passed, the
    // configuration changed or the last evaluation left something pending (not quiet).
    await this.afterChange(now, false);
  }

  /**
   * The config to evaluate with: the one given (a populate job's or the audit's, read fresh from the
   * ConfigObject), which then also refreshes this isolate's cache; otherwise the cache's, refetched
   * when it is older than a config this object has already evaluated with. A given config older than
   * that (a page that read it before a later save) is not used either.
   */
  private async config(given?: AudienceConfig): Promise<AudienceConfig> {
    if (given && given.version >= this.configVersion) {
      noteAudienceConfig(given);
      this.configVersion = given.version;
      return given;
    }
    const cfg = await loadAudienceConfig(this.env, Date.now, this.configVersion);
    this.configVersion = Math.max(this.configVersion, cfg.version);
    return cfg;
  }

  /** After erasure: nothing in memory outlives the person's storage. */
  forget(): void {
    this.quiet = null;
    this.key = null;
    this.tables = null;
  }

  /** The audit view of this person for one audience, or null when the person or audience is unknown. */
  async audit(audienceId: string, now: number, config?: AudienceConfig): Promise<PersonAudit | null> {
    const cfg = await this.config(config);
    const audience = cfg.audiences.find((a) => a.id === audienceId);
    const email = this.email();
    if (!audience || email === null) return null;
    const key = await this.personKeyOf(email);
    const attributes = attributesFor(audience, this.attributes().attributes);
    const m = membership(audience, attributes, now);
    const values: PersonAudit['values'] = {};
    for (const field of [...fieldsUsed(audience.criteria), audience.timestamp.field]) values[field] = describeValue(getPath(attributes, field));
    const entries = this.entries(audienceId);
    // Under `once` the first entry is the one that counts; otherwise the newest.
    const counting = audience.reentry === 'once' ? entries[0] : entries[entries.length - 1];
    const consent = this.consent();
    const person = this.personView();
    const conversions: PersonAudit['conversions'] = [];
    for (const conversion of audience.conversions) {
      const base = { conversionId: conversion.id, destinationId: conversion.destinationId };
      if (!counting) {
        conversions.push({ ...base, entryId: null, status: null, skip: 'no_entry', detail: 'the person has no entry in this audience' });
        continue;
      }
      // An entry exists, so the tables do.
      const row = this.sql
        .exec<{ id: string; status: ConversionStatus; reason: SkipReason | null }>('SELECT id, status, reason FROM conversions WHERE entry_id = ? AND conversion_id = ?', counting.id, conversion.id)
        .toArray()[0];
      const decision = row ?? rowFor(counting, conversion, audience, now, consent);
      const at = { ...base, entryId: counting.id, status: row?.status ?? null };
      if (decision.status === 'cancelled') {
        conversions.push({ ...at, skip: 'cancelled', detail: SKIP_DETAIL.cancelled });
        continue;
      }
      if (decision.status === 'skipped') {
        const reason = decision.reason ?? 'outside_window';
        conversions.push({ ...at, skip: reason, detail: SKIP_DETAIL[reason] });
        continue;
      }
      // Built exactly as the hand-off builds it (the person's full attributes, as delivery reads them).
      conversions.push({ ...at, row: await deliveryRow(person, { entryId: counting.id, timestamp: counting.timestamp, audienceId, conversionId: conversion.id, personKey: key }, conversion, cfg.identityMapping), identity: identitySources(person, conversion, cfg.identityMapping).sources });
    }
    return {
      personKey: key,
      email,
      member: m.member,
      reason: m.reason ?? null,
      timestamp: m.timestampMs === null ? null : toEpochSeconds(m.timestampMs),
      values,
      entries,
      conversions,
    };
  }

  entries(audienceId?: string): Entry[] {
    if (!this.hasTables()) return [];
    const rows = audienceId === undefined
      ? this.sql.exec<EntryRow>('SELECT * FROM audience_entries ORDER BY entered_at, timestamp')
      : this.sql.exec<EntryRow>('SELECT * FROM audience_entries WHERE audience_id = ? ORDER BY entered_at, timestamp', audienceId);
    return rows.toArray().map((r) => ({ id: r.id, audienceId: r.audience_id, timestamp: r.timestamp, enteredAt: r.entered_at }));
  }

  conversions(): ConversionRow[] {
    if (!this.hasTables()) return [];
    const key = this.key ?? '';
    return this.sql.exec<ConversionDbRow>('SELECT * FROM conversions ORDER BY created_at, id').toArray().map((r) => toRow(r, key));
  }

  exits(): { audienceId: string; at: number; reason: string; timestampMs: number | null }[] {
    if (!this.hasTables()) return [];
    return this.sql
      .exec<{ audience_id: string; at: number; reason: string; timestamp_ms: number | null }>('SELECT * FROM audience_exits ORDER BY at')
      .toArray()
      .map((r) => ({ audienceId: r.audience_id, at: r.at, reason: r.reason, timestampMs: r.timestamp_ms }));
  }

  /** Retractions recorded for exits marked as reversals (what the person's API view lists). */
  retractions(): { id: string; conversionRowId: string; entryId: string; audienceId: string; conversionId: string; destinationId: string; retractAt: number; status: string; reason: string | null; handedOff: boolean; createdAt: number }[] {
    if (!this.hasTables()) return [];
    return this.sql.exec<RetractionDbRow>('SELECT * FROM retractions ORDER BY created_at, id').toArray().map((r) => ({
      id: r.id, conversionRowId: r.conversion_row_id, entryId: r.entry_id, audienceId: r.audience_id, conversionId: r.conversion_id, destinationId: r.destination_id,
      retractAt: r.retract_at, status: r.status, reason: r.reason, handedOff: r.handed_off_at !== null, createdAt: r.created_at,
    }));
  }

  // --- inside the transaction ------------------------------------------------------------------

  private apply(cfg: AudienceConfig, attributes: Record<string, unknown>, key: string, ids: Map<string, string>, now: number): EvaluationResult {
    const result: EvaluationResult = { known: true, personKey: key, members: [], entries: [], exits: [], nextBoundary: null };
    const configured = new Set(cfg.audiences.map((a) => a.id));
    for (const audience of cfg.audiences) {
      const state = this.sql.exec<StateRow>('SELECT * FROM audience_state WHERE audience_id = ?', audience.id).toArray()[0];
      const entryTimestamps = this.sql
        .exec<{ timestamp: number }>('SELECT timestamp FROM audience_entries WHERE audience_id = ?', audience.id)
        .toArray()
        .map((r) => r.timestamp);
      const d = decide(audience, attributes, { member: state?.member === 1, entryTimestamps }, now);
      if (d.enter !== null) {
        const id = ids.get(audience.id)!;
        this.sql.exec('INSERT INTO audience_entries (id, audience_id, timestamp, entered_at) VALUES (?, ?, ?, ?)', id, audience.id, d.enter, now);
        result.entries.push({ id, audienceId: audience.id, timestamp: d.enter, enteredAt: now });
      }
      if (d.exit) {
        this.sql.exec('INSERT INTO audience_exits (audience_id, at, reason, timestamp_ms) VALUES (?, ?, ?, ?)', audience.id, now, d.reason!, d.timestampMs);
        result.exits.push({ audienceId: audience.id, reason: d.reason! });
        this.recordRetractions(audience, attributes, now);
      }
      if (d.member) result.members.push(audience.id);
      const changed = !state || state.member !== Number(d.member) || (d.member && state.timestamp_ms !== d.timestampMs);
      if (changed && (state || d.member)) {
        this.sql.exec(
          `INSERT INTO audience_state (audience_id, member, timestamp_ms, since, indexed) VALUES (?, ?, ?, ?, 0)
           ON CONFLICT (audience_id) DO UPDATE SET member = excluded.member, timestamp_ms = excluded.timestamp_ms, since = excluded.since, indexed = 0`,
          audience.id, Number(d.member), d.member ? d.timestampMs : null, now,
        );
      }
      const boundary = nextBoundary(audience, attributesFor(audience, attributes), now);
      if (boundary !== null && (result.nextBoundary === null || boundary < result.nextBoundary)) result.nextBoundary = boundary;
    }
    // Audiences deleted since the last evaluation: the membership ends, the entries stay as history.
    for (const row of this.sql.exec<StateRow>('SELECT * FROM audience_state').toArray()) {
      if (configured.has(row.audience_id)) continue;
      if (row.member === 1) this.sql.exec(`INSERT INTO audience_exits (audience_id, at, reason, timestamp_ms) VALUES (?, ?, 'audience_deleted', ?)`, row.audience_id, now, row.timestamp_ms);
      this.sql.exec('DELETE FROM audience_state WHERE audience_id = ?', row.audience_id);
    }
    this.reconcileConversions(cfg, key, now);
    return result;
  }

  /**
   * An exit for a reason a conversion marks as a reversal (retractOn): a retraction of the conversion
   * row of the entry that counted, once (one per conversion row), when that row was handed to delivery
   * or will be; the destination withdraws it only if it was sent. Inside the exit's transaction.
   */
  private recordRetractions(audience: Audience, attributes: Record<string, unknown>, now: number) {
    const last = this.sql.exec<EntryRow>('SELECT * FROM audience_entries WHERE audience_id = ? ORDER BY entered_at DESC, timestamp DESC LIMIT 1', audience.id).toArray()[0];
    if (!last) return;
    for (const conversion of audience.conversions) {
      const rowId = `${last.id}:${conversion.id}`;
      const original = this.sql.exec<{ status: ConversionStatus; handed_off_at: number | null }>('SELECT status, handed_off_at FROM conversions WHERE id = ?', rowId).toArray()[0];
      const d = retractionFor(audience, conversion, attributesFor(audience, attributes), original?.status ?? null, now);
      if (!d) continue;
      if (d.status === 'pending' && original!.handed_off_at === null && (original!.status === 'pending' || original!.status === 'paused')) {
        // Not handed to delivery yet (paused, or waiting for the person's browsers): never sent, so
        // nothing to withdraw; it is not sent at all.
        this.sql.exec(`UPDATE conversions SET status = 'skipped', reason = 'reversed', updated_at = ? WHERE id = ?`, now, rowId);
        continue;
      }
      this.sql.exec(
        `INSERT OR IGNORE INTO retractions (id, conversion_row_id, entry_id, audience_id, conversion_id, destination_id, timestamp, retract_at, status, reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        `${rowId}:retract`, rowId, last.id, audience.id, conversion.id, conversion.destinationId, last.timestamp, d.retractAt, d.status, d.reason, now, now,
      );
    }
  }

  /** Conversion rows for every entry x conversion, by the go-live rules; pause, resume and cancel. */
  private reconcileConversions(cfg: AudienceConfig, key: string, now: number) {
    const consent = this.consent();
    const audiences = new Map(cfg.audiences.map((a) => [a.id, a]));
    for (const audience of cfg.audiences) {
      if (audience.conversions.length === 0) continue;
      for (const entry of this.entries(audience.id)) {
        for (const conversion of audience.conversions) {
          const d = rowFor(entry, conversion, audience, now, consent);
          this.sql.exec(
            `INSERT OR IGNORE INTO conversions (id, entry_id, audience_id, conversion_id, destination_id, timestamp, status, reason, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            `${entry.id}:${conversion.id}`, entry.id, audience.id, conversion.id, conversion.destinationId, entry.timestamp, d.status, d.reason, now, now,
          );
        }
      }
    }
    const open = this.sql.exec<ConversionDbRow>(`SELECT * FROM conversions WHERE status IN ('pending', 'paused')`).toArray();
    for (const row of open) {
      const audience = audiences.get(row.audience_id);
      const conversion = audience?.conversions.find((c) => c.id === row.conversion_id);
      let next: { status: ConversionStatus; reason: SkipReason | null };
      if (!audience || !conversion) next = { status: 'cancelled', reason: null };
      else if (row.status === 'paused' && row.handed_off_at !== null) {
        // Handed off before the pause: the outbox's gate held it there and sends it now (its own age rule applies).
        if (audience.paused || conversion.paused) continue;
        next = { status: 'pending', reason: null };
      } else if (row.status === 'paused') {
        // Resumed rows go only if still inside the window (the platform's age limit is delivery's).
        const entry = { timestamp: row.timestamp, enteredAt: conversion.enabledAt };
        next = rowFor(entry, { ...conversion, sendExisting: true }, audience, now, consent);
      } else if (audience.paused || conversion.paused) {
        // Also a row already handed off: the outbox's gate holds it while paused (DestinationObject.conversionGate).
        next = { status: 'paused', reason: null };
      }
      else continue;
      if (next.status !== row.status || next.reason !== row.reason) {
        this.sql.exec('UPDATE conversions SET status = ?, reason = ?, updated_at = ? WHERE id = ?', next.status, next.reason, now, row.id);
      }
    }
    // A retraction not yet handed off whose conversion or audience is gone has nowhere to go.
    for (const r of this.sql.exec<{ id: string; audience_id: string; conversion_id: string }>(`SELECT id, audience_id, conversion_id FROM retractions WHERE status = 'pending' AND handed_off_at IS NULL`).toArray()) {
      if (!audiences.get(r.audience_id)?.conversions.some((c) => c.id === r.conversion_id)) this.sql.exec(`UPDATE retractions SET status = 'cancelled', updated_at = ? WHERE id = ?`, now, r.id);
    }
  }

  // --- after the transaction -------------------------------------------------------------------

  /** True when nothing is left pending (the members index pushed, every pending row handed off). */
  private async afterApply(cfg: AudienceConfig, key: string, boundary: number | null, now: number): Promise<boolean> {
    if (boundary !== null) await this.schedule(boundary);
    // The members index and the hand-off are retried on every evaluation until they succeed.
    let indexed = true;
    this.indexing = this.indexing
      .then(() => this.pushIndex(key, now))
      .catch((e) => {
        indexed = false;
        console.error('audience index push failed', errorName(e));
      });
    await this.indexing;
    if (!this.hasTables()) return indexed;
    const pending = this.sql
      .exec<ConversionDbRow>(`SELECT * FROM conversions WHERE status = 'pending' AND handed_off_at IS NULL ORDER BY created_at`)
      .toArray();
    if (pending.length) {
      const linking = this.linkingSince();
      if (linking !== null && now < linking + LINK_WAIT_MS) {
        // The alarm that merges the links evaluates again (nothing is quiet) and hands off then.
        await this.schedule(linking + LINK_WAIT_MS);
        return false;
      }
      const conversions = new Map(cfg.audiences.flatMap((a) => a.conversions.map((c) => [c.id, c] as const)));
      const { accepted } = await handOff(this.env, this.personView(), pending.map((r) => toRow(r, key)), conversions, cfg.identityMapping);
      for (const id of accepted) this.sql.exec(`UPDATE conversions SET handed_off_at = ? WHERE id = ? AND status = 'pending'`, now, id);
      if (accepted.length < pending.length) return false;
    }
    const retractions = this.sql.exec<RetractionDbRow>(`SELECT * FROM retractions WHERE status = 'pending' AND handed_off_at IS NULL ORDER BY created_at`).toArray();
    if (retractions.length) {
      const conversions = new Map(cfg.audiences.flatMap((a) => a.conversions.map((c) => [c.id, c] as const)));
      const { accepted } = await handOffRetractions(this.env, this.personView(), retractions.map((r) => ({ id: r.id, entryId: r.entry_id, audienceId: r.audience_id, conversionId: r.conversion_id, destinationId: r.destination_id, personKey: key, timestamp: r.timestamp, retractAt: r.retract_at })), conversions);
      for (const id of accepted) this.sql.exec('UPDATE retractions SET handed_off_at = ? WHERE id = ?', now, id);
      if (accepted.length < retractions.length) return false;
    }
    return indexed;
  }

  /** Every membership, for a caller (populate) that writes the members index in batches and retries. */
  private takeIndex(): MembershipChange[] {
    if (!this.hasTables()) return [];
    const rows = this.sql.exec<StateRow>('SELECT * FROM audience_state').toArray();
    if (rows.some((r) => r.indexed === 0)) this.sql.exec('UPDATE audience_state SET indexed = 1 WHERE indexed = 0');
    return rows.map((r) => ({ audienceId: r.audience_id, member: r.member === 1, timestampMs: r.timestamp_ms, since: r.since }));
  }

  private async pushIndex(key: string, now: number) {
    if (!this.hasTables()) return;
    const unindexed = this.sql.exec<StateRow>('SELECT * FROM audience_state WHERE indexed = 0').toArray();
    if (!unindexed.length) return;
    const changes: MembershipChange[] = unindexed.map((r) => ({ audienceId: r.audience_id, member: r.member === 1, timestampMs: r.timestamp_ms, since: r.since }));
    await configObject(this.env).recordMembership(key, changes);
    for (const r of unindexed) {
      this.sql.exec('UPDATE audience_state SET indexed = 1 WHERE audience_id = ? AND since = ? AND member = ?', r.audience_id, r.since, r.member);
    }
  }

  // --- the tables ------------------------------------------------------------------------------

  private hasTables(): boolean {
    if (this.tables === null) {
      this.tables = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audience_state'").toArray().length > 0;
      // Tables made by an earlier release get the track's later steps (retractions) once per instance.
      if (this.tables) migrate(this.sql, personAudienceSchema, 'audiences');
    }
    return this.tables;
  }

  /** Inside the transaction that writes the first row (rolled back with it: then looked up again). */
  private ensureTables() {
    if (this.hasTables()) return;
    migrate(this.sql, personAudienceSchema, 'audiences');
    this.tables = null;
  }

  /**
   * The evaluation of a person with no audience tables and no membership: no entry, no exit (never a
   * member), no conversion row; only the next time boundary, as apply computes it.
   */
  private untracked(cfg: AudienceConfig, attributes: Record<string, unknown>, key: string, now: number): EvaluationResult {
    const result: EvaluationResult = { known: true, personKey: key, members: [], entries: [], exits: [], nextBoundary: null };
    for (const audience of cfg.audiences) {
      const boundary = nextBoundary(audience, attributesFor(audience, attributes), now);
      if (boundary !== null && (result.nextBoundary === null || boundary < result.nextBoundary)) result.nextBoundary = boundary;
    }
    return result;
  }

  // --- reads -----------------------------------------------------------------------------------

  private email(): string | null {
    return this.sql.exec<{ email: string }>('SELECT email FROM person').toArray()[0]?.email ?? null;
  }

  private async personKeyOf(email: string): Promise<string> {
    this.key ??= this.sql.exec<{ key: string | null }>('SELECT key FROM person').toArray()[0]?.key ?? (await personKey(this.env, email));
    return this.key;
  }

  private attributes(): { attributes: Record<string, unknown>; fingerprint: string } {
    const attributes: Record<string, unknown> = {};
    let fingerprint = '';
    for (const row of this.sql.exec<{ source: string; data: string; updated_at: number }>('SELECT source, data, updated_at FROM attributes ORDER BY source')) {
      attributes[row.source] = JSON.parse(row.data);
      fingerprint += `${row.source}\u0000${row.data}\u0000`;
    }
    return { attributes, fingerprint };
  }

  /** The person as delivery's conversionRowFrom reads it. */
  private personView(): PersonView {
    const person = this.sql.exec<{ email: string; consent_ads: 'granted' | 'denied' | 'unknown' | null }>('SELECT email, consent_ads FROM person').one();
    const touches = this.sql
      .exec<{ kind: string; value: string; first_seen: number; landing_url: string | null; raw: string | null; anonymous_id: string | null }>(
        'SELECT kind, value, first_seen, landing_url, raw, anonymous_id FROM touches',
      )
      .toArray()
      .map((t) => ({ kind: t.kind, value: t.value, firstSeen: t.first_seen, landingUrl: t.landing_url, raw: t.raw, anonymousId: t.anonymous_id }));
    const devices = this.sql
      .exec<{ anonymous_id: string; ip: string | null; user_agent: string | null; country: string | null; last_seen: number }>('SELECT anonymous_id, ip, user_agent, country, last_seen FROM devices ORDER BY last_seen DESC')
      .toArray()
      .map((d) => ({ anonymousId: d.anonymous_id, ip: d.ip, userAgent: d.user_agent, country: d.country, lastSeen: d.last_seen }));
    return { email: person.email, consent: person.consent_ads ? { ads: person.consent_ads } : null, attributes: this.attributes().attributes, touches, devices };
  }

  /** Whether an evaluation with `cfg` would record a new entry (`ids`: the audiences the person is a member of). */
  private wouldEnter(cfg: AudienceConfig, attributes: Record<string, unknown>, ids: Map<string, string>, now: number): boolean {
    if (!ids.size) return false;
    if (!this.hasTables()) return true;
    for (const audience of cfg.audiences) {
      if (!ids.has(audience.id)) continue;
      const state = this.sql.exec<{ member: number }>('SELECT member FROM audience_state WHERE audience_id = ?', audience.id).toArray()[0];
      const entryTimestamps = this.sql
        .exec<{ timestamp: number }>('SELECT timestamp FROM audience_entries WHERE audience_id = ?', audience.id)
        .toArray()
        .map((r) => r.timestamp);
      if (decide(audience, attributes, { member: state?.member === 1, entryTimestamps }, now).enter !== null) return true;
    }
    return false;
  }

  /** When the oldest visitor link still waiting to be merged was queued, or null when none is. */
  private linkingSince(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT min(at) AS at FROM pending_links').one().at;
  }

  private consent(): 'granted' | 'denied' | 'unknown' {
    return this.sql.exec<{ consent_ads: 'granted' | 'denied' | 'unknown' | null }>('SELECT consent_ads FROM person').toArray()[0]?.consent_ads ?? 'unknown';
  }

}

const SKIP_DETAIL: Record<SkipReason | 'cancelled', string> = {
  cancelled: 'the audience or conversion was deleted before this was sent',
  outside_window: "the entry's timestamp is outside the audience window",
  existing_entry: 'entered before this conversion was turned on, and sendExisting is false',
  consent_denied: 'the person denied ads consent',
  no_matchable_identifier: 'no email and no click ID to match on',
  older_than_platform_allows: 'the event is older than the platform accepts',
  reversed: 'the person left the audience for a reason marked as a reversal before it was sent',
};

function toRow(r: ConversionDbRow, personKey: string): ConversionRow {
  return {
    id: r.id, entryId: r.entry_id, audienceId: r.audience_id, conversionId: r.conversion_id, destinationId: r.destination_id,
    personKey, timestamp: r.timestamp, status: r.status, reason: r.reason, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function errorName(e: unknown): string {
  // Names only: messages may carry user data.
  return e instanceof Error ? e.name : typeof e;
}
