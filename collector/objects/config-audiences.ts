// The ConfigObject's audience storage: definitions, conversion configs, populate jobs, the members
// index. The class in config.ts only delegates.
// (Over 300 lines: one store over the audience, conversion, job and members tables, which a delete or
// a change writes together in one transaction.)
import { audiencePatchSchema, audienceSchema, type AudienceDefinition } from '../../shared/schemas/audience';
import { conversionPatchSchema, conversionSchema, type ConversionSettings } from '../../shared/schemas/conversion';
import type { AudienceConfig, MembershipChange, StoredAudience, StoredConversion } from '../audiences/types';
import { definitionIssues, type DefinitionIssue } from '../audiences/definition-issues';
import { configAudiencesSchema } from './config-audiences-schema';
import { migrate } from './sql';
import { randomHex } from '../../shared/hex';

export type Outcome<T> =
  { ok: true; value: T } | { ok: false; code: 'not_found' | 'invalid'; issues?: DefinitionIssue[] };

export type JobReason = 'created' | 'edited' | 'conversion' | 'deleted';

export interface JobStatus {
  id: string;
  audienceId: string;
  audienceVersion: number;
  reason: JobReason;
  status: 'running' | 'done' | 'superseded';
  total: number;
  evaluated: number;
  /** People whose evaluation still failed on the page's last attempt: skipped, not members (populate.ts). */
  failed: number;
  members: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

type AudienceRow = { id: string; definition: string; version: number; created_at: number; updated_at: number };
type ConversionRowDb = {
  id: string;
  audience_id: string;
  settings: string;
  enabled_at: number;
  created_at: number;
  updated_at: number;
};
type JobRow = {
  id: string;
  audience_id: string;
  audience_version: number;
  reason: JobReason;
  status: JobStatus['status'];
  total: number;
  evaluated: number;
  failed: number;
  members: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};

// Fields whose change can alter membership or sends; a rename alone does not repopulate.
const SEMANTIC_FIELDS = ['criteria', 'timestamp', 'reentry', 'allowTraits', 'paused'] as const;

export function randomId(prefix: string): string {
  return prefix + randomHex(12);
}

export class AudienceStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    migrate(sql, configAudiencesSchema, 'audiences');
  }

  // --- audiences -------------------------------------------------------------------------------

  createAudience(input: unknown, now: number): Outcome<StoredAudience> {
    const parsed = audienceSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsed.error) };
    const id = randomId('aud_');
    return this.transaction(() => {
      this.sql.exec(
        'INSERT INTO audiences (id, definition, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)',
        id,
        JSON.stringify(parsed.data),
        now,
        now,
      );
      this.bumpVersion();
      return { ok: true, value: this.getAudience(id)! };
    });
  }

  getAudience(id: string): StoredAudience | null {
    const row = this.sql.exec<AudienceRow>('SELECT * FROM audiences WHERE id = ?', id).toArray()[0];
    return row ? toAudience(row) : null;
  }

  listAudiences(): StoredAudience[] {
    return this.sql.exec<AudienceRow>('SELECT * FROM audiences ORDER BY created_at, id').toArray().map(toAudience);
  }

  /** Merges a patch and re-validates the whole definition; `repopulate` when membership may change. */
  updateAudience(id: string, patch: unknown, now: number): Outcome<{ audience: StoredAudience; repopulate: boolean }> {
    const parsedPatch = audiencePatchSchema.safeParse(patch);
    if (!parsedPatch.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsedPatch.error) };
    return this.transaction(() => {
      const current = this.getAudience(id);
      if (!current) return { ok: false, code: 'not_found' };
      const { id: _id, version, createdAt, updatedAt, ...definition } = current;
      const merged = audienceSchema.safeParse({ ...definition, ...parsedPatch.data });
      if (!merged.success) return { ok: false, code: 'invalid', issues: definitionIssues(merged.error) };
      const repopulate = SEMANTIC_FIELDS.some((f) => JSON.stringify(merged.data[f]) !== JSON.stringify(definition[f]));
      const next = repopulate ? version + 1 : version;
      this.sql.exec(
        'UPDATE audiences SET definition = ?, version = ?, updated_at = ? WHERE id = ?',
        JSON.stringify(merged.data),
        next,
        now,
        id,
      );
      this.bumpVersion();
      return { ok: true, value: { audience: this.getAudience(id)!, repopulate } };
    });
  }

  /** Removes the audience, its conversions and its members; its people cancel unsent rows on the sweep. */
  deleteAudience(id: string): StoredAudience | null {
    return this.transaction(() => {
      const current = this.getAudience(id);
      if (!current) return null;
      this.sql.exec('DELETE FROM audiences WHERE id = ?', id);
      this.sql.exec('DELETE FROM audience_conversions WHERE audience_id = ?', id);
      this.sql.exec('DELETE FROM audience_members WHERE audience_id = ?', id);
      this.bumpVersion();
      return current;
    });
  }

  // --- conversions -----------------------------------------------------------------------------

  /**
   * Turns a conversion on. `destination` says whether its destinationId is configured (the
   * ConfigObject's destination list, config-destinations.ts): a conversion to a destination that
   * does not exist, or no longer does, would make rows that could never be handed off.
   */
  createConversion(
    audienceId: string,
    input: unknown,
    now: number,
    destination: (id: string) => 'live' | 'deleted' | 'unknown',
  ): Outcome<StoredConversion> {
    const parsed = conversionSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsed.error) };
    return this.transaction(() => {
      if (!this.getAudience(audienceId)) return { ok: false, code: 'not_found' };
      const state = destination(parsed.data.destinationId);
      if (state !== 'live') {
        const message =
          state === 'deleted'
            ? `destination ${parsed.data.destinationId} was deleted`
            : `no destination ${parsed.data.destinationId} is configured`;
        return { ok: false, code: 'invalid', issues: [{ path: 'destinationId', message }] };
      }
      const id = randomId('cv_');
      this.sql.exec(
        'INSERT INTO audience_conversions (id, audience_id, settings, enabled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        id,
        audienceId,
        JSON.stringify(parsed.data),
        now,
        now,
        now,
      );
      this.bumpVersion();
      return { ok: true, value: this.getConversion(audienceId, id)! };
    });
  }

  getConversion(audienceId: string, id: string): StoredConversion | null {
    const row = this.sql
      .exec<ConversionRowDb>('SELECT * FROM audience_conversions WHERE id = ? AND audience_id = ?', id, audienceId)
      .toArray()[0];
    return row ? toConversion(row) : null;
  }

  listConversions(audienceId?: string): StoredConversion[] {
    const rows =
      audienceId === undefined
        ? this.sql.exec<ConversionRowDb>('SELECT * FROM audience_conversions ORDER BY created_at, id')
        : this.sql.exec<ConversionRowDb>(
            'SELECT * FROM audience_conversions WHERE audience_id = ? ORDER BY created_at, id',
            audienceId,
          );
    return rows.toArray().map(toConversion);
  }

  updateConversion(audienceId: string, id: string, patch: unknown, now: number): Outcome<StoredConversion> {
    const parsedPatch = conversionPatchSchema.safeParse(patch);
    if (!parsedPatch.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsedPatch.error) };
    return this.transaction(() => {
      const current = this.getConversion(audienceId, id);
      if (!current) return { ok: false, code: 'not_found' };
      const { id: _id, audienceId: _a, enabledAt: _e, createdAt: _c, updatedAt: _u, ...settings } = current;
      const merged = conversionSchema.safeParse({ ...settings, ...parsedPatch.data });
      if (!merged.success) return { ok: false, code: 'invalid', issues: definitionIssues(merged.error) };
      this.sql.exec(
        'UPDATE audience_conversions SET settings = ?, updated_at = ? WHERE id = ?',
        JSON.stringify(merged.data),
        now,
        id,
      );
      this.bumpVersion();
      return { ok: true, value: this.getConversion(audienceId, id)! };
    });
  }

  deleteConversion(audienceId: string, id: string): boolean {
    return this.transaction(() => {
      const gone =
        this.sql.exec('DELETE FROM audience_conversions WHERE id = ? AND audience_id = ?', id, audienceId).rowsWritten >
        0;
      if (gone) this.bumpVersion();
      return gone;
    });
  }

  /**
   * Removes every conversion that sends to a destination (it was deleted): their people's unsent
   * rows become `cancelled` on the sweep the caller starts, as when a conversion is turned off.
   */
  deleteConversionsTo(destinationId: string): StoredConversion[] {
    return this.transaction(() => {
      const gone = this.listConversions().filter((c) => c.destinationId === destinationId);
      for (const c of gone) this.sql.exec('DELETE FROM audience_conversions WHERE id = ?', c.id);
      if (gone.length) this.bumpVersion();
      return gone;
    });
  }

  /** Everything a PersonObject evaluates against. */
  audienceConfig(): AudienceConfig {
    const version = this.sql.exec<{ version: number }>('SELECT version FROM audience_config_version').one().version;
    const conversions = this.listConversions();
    const audiences = this.listAudiences().map((a) => ({
      ...a,
      conversions: conversions.filter((c) => c.audienceId === a.id),
    }));
    return { version, audiences };
  }

  /** Something PersonObjects read with the audience config changed (the identity mapping): caches refresh. */
  bumpConfigVersion() {
    this.bumpVersion();
  }

  private bumpVersion() {
    this.sql.exec('UPDATE audience_config_version SET version = version + 1');
  }

  // --- populate jobs ---------------------------------------------------------------------------

  /** A new job for the audience; older running jobs for it are superseded. */
  createJob(
    audienceId: string,
    audienceVersion: number,
    reason: JobReason,
    total: number,
    shards: number,
    now: number,
  ): JobStatus {
    const id = randomId('job_');
    return this.transaction(() => {
      this.sql.exec(
        `UPDATE audience_jobs SET status = 'superseded', updated_at = ?, finished_at = ? WHERE audience_id = ? AND status = 'running'`,
        now,
        now,
        audienceId,
      );
      this.sql.exec(
        `INSERT INTO audience_jobs (id, audience_id, audience_version, reason, status, total, created_at, updated_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        audienceId,
        audienceVersion,
        reason,
        shards === 0 ? 'done' : 'running',
        total,
        now,
        now,
        shards === 0 ? now : null,
      );
      for (let shard = 0; shard < shards; shard++)
        this.sql.exec('INSERT INTO audience_job_shards (job_id, shard) VALUES (?, ?)', id, shard);
      return this.getJob(id)!;
    });
  }

  getJob(id: string): JobStatus | null {
    const row = this.sql.exec<JobRow>('SELECT * FROM audience_jobs WHERE id = ?', id).toArray()[0];
    return row ? toJob(row) : null;
  }

  latestJob(audienceId: string): JobStatus | null {
    const row = this.sql
      .exec<JobRow>(
        'SELECT * FROM audience_jobs WHERE audience_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
        audienceId,
      )
      .toArray()[0];
    return row ? toJob(row) : null;
  }

  /** Where a shard of a running job stands, or null when the job is not running (stop). */
  jobShard(
    jobId: string,
    shard: number,
  ): { cursor: string; prevCursor: string | null; done: boolean; audienceId: string } | null {
    const row = this.sql
      .exec<{ cursor: string; prev_cursor: string | null; done: number; audience_id: string; status: string }>(
        `SELECT s.cursor, s.prev_cursor, s.done, j.audience_id, j.status FROM audience_job_shards s JOIN audience_jobs j ON j.id = s.job_id
         WHERE s.job_id = ? AND s.shard = ?`,
        jobId,
        shard,
      )
      .toArray()[0];
    if (!row || row.status !== 'running') return null;
    return { cursor: row.cursor, prevCursor: row.prev_cursor, done: row.done === 1, audienceId: row.audience_id };
  }

  /**
   * Records one page of a shard. Applied only when `fromCursor` is where the shard stands, so a
   * redelivered message neither double counts nor moves the cursor back.
   */
  advanceJob(
    jobId: string,
    shard: number,
    fromCursor: string,
    next: string | null,
    evaluated: number,
    members: number,
    now: number,
    failed = 0,
  ): boolean {
    return this.transaction(() => {
      const at = this.jobShard(jobId, shard);
      if (!at || at.done || at.cursor !== fromCursor) return false;
      this.sql.exec(
        'UPDATE audience_job_shards SET cursor = ?, prev_cursor = ?, done = ? WHERE job_id = ? AND shard = ?',
        next ?? fromCursor,
        fromCursor,
        next === null ? 1 : 0,
        jobId,
        shard,
      );
      this.sql.exec(
        'UPDATE audience_jobs SET evaluated = evaluated + ?, failed = failed + ?, members = members + ?, updated_at = ? WHERE id = ?',
        evaluated,
        failed,
        members,
        now,
        jobId,
      );
      const left = this.sql
        .exec<{ n: number }>('SELECT count(*) AS n FROM audience_job_shards WHERE job_id = ? AND done = 0', jobId)
        .one().n;
      if (left === 0)
        this.sql.exec(`UPDATE audience_jobs SET status = 'done', finished_at = ? WHERE id = ?`, now, jobId);
      return true;
    });
  }

  /**
   * Running jobs whose progress has stood still since before `staleBefore` (a page message dropped
   * after its last retry, or lost with a local runtime): each unfinished shard and where it stands.
   * Each job returned is marked as nudged at `now`, so the next check waits a full period again.
   */
  nudgeStalledJobs(staleBefore: number, now: number): { jobId: string; shards: { shard: number; cursor: string }[] }[] {
    return this.transaction(() => {
      const jobs = this.sql
        .exec<{ id: string }>(
          `SELECT id FROM audience_jobs WHERE status = 'running' AND updated_at < ? ORDER BY created_at LIMIT 100`,
          staleBefore,
        )
        .toArray();
      return jobs.map(({ id }) => {
        this.sql.exec('UPDATE audience_jobs SET updated_at = ? WHERE id = ?', now, id);
        const shards = this.sql
          .exec<{ shard: number; cursor: string }>(
            'SELECT shard, cursor FROM audience_job_shards WHERE job_id = ? AND done = 0 ORDER BY shard',
            id,
          )
          .toArray()
          .map((r) => ({ shard: r.shard, cursor: r.cursor }));
        return { jobId: id, shards };
      });
    });
  }

  // --- members index ---------------------------------------------------------------------------

  recordMembership(personKey: string, changes: MembershipChange[]): void {
    this.recordMemberships([{ personKey, changes }]);
  }

  /** Idempotent: a change says what the membership is, not what to add. */
  recordMemberships(batch: { personKey: string; changes: MembershipChange[] }[]): void {
    const live = new Set(
      this.sql
        .exec<{ id: string }>('SELECT id FROM audiences')
        .toArray()
        .map((r) => r.id),
    );
    this.transaction(() => {
      for (const { personKey, changes } of batch)
        for (const c of changes) {
          if (!c.member) {
            this.sql.exec(
              'DELETE FROM audience_members WHERE audience_id = ? AND person_key = ?',
              c.audienceId,
              personKey,
            );
          } else if (live.has(c.audienceId)) {
            this.sql.exec(
              `INSERT INTO audience_members (audience_id, person_key, timestamp_ms, since) VALUES (?, ?, ?, ?)
             ON CONFLICT (audience_id, person_key) DO UPDATE SET timestamp_ms = excluded.timestamp_ms, since = excluded.since`,
              c.audienceId,
              personKey,
              c.timestampMs,
              c.since,
            );
          }
        }
    });
  }

  /**
   * Removes a person from every audience's members index (erasure). The index's key is (audience,
   * person), with no index on the person alone, so this is one primary-key delete per audience rather
   * than a scan. Rows of deleted audiences are gone with them (deleteAudience), so the live ones are
   * all there is to visit. Returns the rows removed.
   */
  forgetMember(personKey: string): number {
    return this.transaction(() => {
      let removed = 0;
      for (const { id } of this.sql.exec<{ id: string }>('SELECT id FROM audiences').toArray()) {
        removed += this.sql.exec(
          'DELETE FROM audience_members WHERE audience_id = ? AND person_key = ?',
          id,
          personKey,
        ).rowsWritten;
      }
      return removed;
    });
  }

  /** Members in person-key order after `cursor` (exclusive). */
  listMembers(
    audienceId: string,
    cursor: string,
    limit: number,
  ): { personKey: string; timestampMs: number | null; since: number }[] {
    return this.sql
      .exec<{ person_key: string; timestamp_ms: number | null; since: number }>(
        'SELECT person_key, timestamp_ms, since FROM audience_members WHERE audience_id = ? AND person_key > ? ORDER BY person_key LIMIT ?',
        audienceId,
        cursor,
        limit,
      )
      .toArray()
      .map((r) => ({ personKey: r.person_key, timestampMs: r.timestamp_ms, since: r.since }));
  }

  countMembers(audienceId: string): number {
    return this.sql
      .exec<{ n: number }>('SELECT count(*) AS n FROM audience_members WHERE audience_id = ?', audienceId)
      .one().n;
  }
}

function toAudience(row: AudienceRow): StoredAudience {
  const definition = JSON.parse(row.definition) as AudienceDefinition;
  return { id: row.id, ...definition, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toConversion(row: ConversionRowDb): StoredConversion {
  const settings = JSON.parse(row.settings) as ConversionSettings;
  return {
    id: row.id,
    audienceId: row.audience_id,
    ...settings,
    enabledAt: row.enabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toJob(row: JobRow): JobStatus {
  return {
    id: row.id,
    audienceId: row.audience_id,
    audienceVersion: row.audience_version,
    reason: row.reason,
    status: row.status,
    total: row.total,
    evaluated: row.evaluated,
    failed: row.failed,
    members: row.members,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
