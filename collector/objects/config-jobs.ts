import type { Job } from '../../shared/schemas/people';

export interface JobProgress {
  id: string;
  applied: number;
  suppressed: number;
  failed: number;
}

type Row = { id: string; kind: Job['kind']; total: number; applied: number; suppressed: number; failed: number; rejected: number; created_at: number; updated_at: number };

const KEEP_MS = 30 * 86_400_000;

/** Progress of asynchronous jobs: counted per queue batch, never per row, so this stays cold. */
export class JobStore {
  constructor(private readonly sql: SqlStorage) {}

  create(id: string, kind: Job['kind'], total: number, rejected: number, now: number): Job {
    this.sql.exec('DELETE FROM jobs WHERE created_at < ?', now - KEEP_MS);
    this.sql.exec('INSERT INTO jobs (id, kind, total, rejected, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', id, kind, total, rejected, now, now);
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
    };
  }
}
