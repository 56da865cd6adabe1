import type { Job, JobFailure } from '../../shared/schemas/people';

export interface JobProgress {
  id: string;
  applied: number;
  suppressed: number;
  failed: number;
}

type Row = {
  id: string;
  kind: Job['kind'];
  total: number;
  applied: number;
  suppressed: number;
  failed: number;
  rejected: number;
  created_at: number;
  updated_at: number;
};

const KEEP_MS = 30 * 86_400_000;

/** Progress of asynchronous jobs: counted per queue batch, never per row, so this stays cold. */
export class JobStore {
  constructor(private readonly sql: SqlStorage) {}

  create(id: string, kind: Job['kind'], total: number, rejected: number, now: number): Job {
    this.sql.exec('DELETE FROM jobs WHERE created_at < ?', now - KEEP_MS);
    this.sql.exec('DELETE FROM job_failures WHERE job_id NOT IN (SELECT id FROM jobs)');
    this.sql.exec(
      'INSERT INTO jobs (id, kind, total, rejected, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      id,
      kind,
      total,
      rejected,
      now,
      now,
    );
    return this.get(id)!;
  }

  // Counts never pass the total: a batch retried after its progress was recorded can't overshoot.
  progress(progress: JobProgress[], now: number): void {
    for (const p of progress) {
      this.sql.exec(
        `UPDATE jobs SET
           applied = min(total - suppressed - failed, applied + ?),
           suppressed = min(total - applied - failed, suppressed + ?),
           failed = min(total - applied - suppressed, failed + ?),
           updated_at = ?
         WHERE id = ?`,
        p.applied,
        p.suppressed,
        p.failed,
        now,
        p.id,
      );
    }
  }

  /**
   * Rows the queue dead-lettered: kept with their reason and counted as failed once, however often the
   * dead letter is delivered. Returns how many rows were new.
   */
  recordFailures(jobId: string, failures: Omit<JobFailure, 'failedAt'>[], now: number): number {
    let added = 0;
    for (const f of failures) {
      const known =
        this.sql.exec('SELECT 1 FROM job_failures WHERE job_id = ? AND email = ?', jobId, f.email).toArray().length > 0;
      this.sql.exec(
        `INSERT INTO job_failures (job_id, email, rows, reason, failed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (job_id, email) DO UPDATE SET rows = excluded.rows, reason = excluded.reason, failed_at = excluded.failed_at`,
        jobId,
        f.email,
        JSON.stringify(f.rows),
        f.reason,
        now,
      );
      if (!known) added += f.rows.length;
    }
    if (added) this.progress([{ id: jobId, applied: 0, suppressed: 0, failed: added }], now);
    return added;
  }

  failures(jobId: string, limit = 1000): JobFailure[] {
    return this.sql
      .exec<{ email: string; rows: string; reason: string; failed_at: number }>(
        'SELECT email, rows, reason, failed_at FROM job_failures WHERE job_id = ? ORDER BY failed_at, email LIMIT ?',
        jobId,
        limit,
      )
      .toArray()
      .map((r) => ({
        email: r.email,
        rows: JSON.parse(r.rows) as JobFailure['rows'],
        reason: r.reason,
        failedAt: r.failed_at,
      }));
  }

  /** After their rows were sent to the queue again: no longer failed, so the job runs until they are applied. */
  clearFailures(jobId: string, emails: string[], now: number): number {
    let rows = 0;
    for (const email of emails) {
      const r = this.sql
        .exec<{ rows: string }>('DELETE FROM job_failures WHERE job_id = ? AND email = ? RETURNING rows', jobId, email)
        .toArray()[0];
      if (r) rows += (JSON.parse(r.rows) as unknown[]).length;
    }
    if (rows)
      this.sql.exec('UPDATE jobs SET failed = max(0, failed - ?), updated_at = ? WHERE id = ?', rows, now, jobId);
    return rows;
  }

  /** Erasure: the person's dead-lettered rows go (the job keeps counting them as failed). */
  forgetFailuresOf(email: string): number {
    return this.sql.exec('DELETE FROM job_failures WHERE email = ?', email).rowsWritten;
  }

  get(id: string): Job | null {
    const r = this.sql.exec<Row>('SELECT * FROM jobs WHERE id = ?', id).toArray()[0];
    if (!r) return null;
    const done = r.applied + r.suppressed + r.failed;
    return {
      id: r.id,
      kind: r.kind,
      state: done >= r.total ? 'done' : done > 0 ? 'running' : 'queued',
      total: r.total,
      applied: r.applied,
      suppressed: r.suppressed,
      failed: r.failed,
      rejected: r.rejected,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      failures: r.failed ? this.failures(r.id) : [],
    };
  }
}
