// The outbox store on Durable Object SQLite (synchronous, parameterized).
import type { OutboxEntry, OutboxStore, RequestLog, RowStatus } from './outbox';

type Row = {
  id: string;
  item: string | null;
  status: RowStatus;
  attempts: number;
  due_at: number;
  lease_until: number | null;
  batch_cap: number | null;
  deadline: number | null;
  request_id: string | null;
  skip_reason: string | null;
  error: string | null;
  note: string | null;
  last_request_id: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
};

function toEntry(r: Row): OutboxEntry {
  return {
    id: r.id,
    item: r.item === null ? null : JSON.parse(r.item),
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at,
    leaseUntil: r.lease_until,
    batchCap: r.batch_cap,
    deadline: r.deadline,
    requestId: r.request_id,
    skipReason: r.skip_reason as OutboxEntry['skipReason'],
    error: r.error === null ? null : JSON.parse(r.error),
    note: r.note,
    lastRequestId: r.last_request_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly sql: SqlStorage) {}

  get(id: string): OutboxEntry | undefined {
    const r = this.sql.exec<Row>('SELECT * FROM outbox WHERE id = ?', id).toArray()[0];
    return r ? toEntry(r) : undefined;
  }

  put(e: OutboxEntry): void {
    this.sql.exec(
      `INSERT INTO outbox (id, item, status, attempts, due_at, lease_until, batch_cap, deadline, request_id, skip_reason, error, note, last_request_id, created_at, updated_at, sent_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET item = excluded.item, status = excluded.status, attempts = excluded.attempts, due_at = excluded.due_at,
         lease_until = excluded.lease_until, batch_cap = excluded.batch_cap, deadline = excluded.deadline, request_id = excluded.request_id,
         skip_reason = excluded.skip_reason, error = excluded.error, note = excluded.note, last_request_id = excluded.last_request_id,
         updated_at = excluded.updated_at, sent_at = excluded.sent_at`,
      e.id,
      e.item === null || e.item === undefined ? null : JSON.stringify(e.item),
      e.status,
      e.attempts,
      e.dueAt,
      e.leaseUntil,
      e.batchCap,
      e.deadline,
      e.requestId,
      e.skipReason,
      e.error === null ? null : JSON.stringify(e.error),
      e.note,
      e.lastRequestId,
      e.createdAt,
      e.updatedAt,
      e.sentAt,
    );
  }

  due(now: number, limit: number): OutboxEntry[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM outbox WHERE (status = 'queued' AND held IS NULL AND due_at <= ?) OR (status = 'leased' AND lease_until <= ?) ORDER BY due_at, id LIMIT ?`,
        now,
        now,
        limit,
      )
      .toArray()
      .map(toEntry);
  }

  pendingDue(now: number): OutboxEntry[] {
    return this.sql.exec<Row>(`SELECT * FROM outbox WHERE status = 'pending_confirmation' AND due_at <= ?`, now).toArray().map(toEntry);
  }

  nextWake(): number | null {
    const r = this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(CASE WHEN status = 'leased' THEN lease_until ELSE due_at END) AS at FROM outbox WHERE (status = 'queued' AND held IS NULL) OR status IN ('pending_confirmation', 'leased')`,
      )
      .toArray()[0];
    return r?.at ?? null;
  }

  putRequest(log: RequestLog): void {
    this.sql.exec(
      'INSERT INTO requests (id, at, mode, row_ids, request, status, response, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      log.id,
      log.at,
      log.mode,
      JSON.stringify(log.rowIds),
      JSON.stringify(log.request),
      log.status,
      log.response === null || log.response === undefined ? null : JSON.stringify(log.response),
      log.durationMs,
    );
  }

  request(id: string): RequestLog | null {
    const r = this.sql.exec<{ id: string; at: number; mode: string; row_ids: string; request: string; status: number | null; response: string | null; duration_ms: number }>('SELECT * FROM requests WHERE id = ?', id).toArray()[0];
    return r
      ? { id: r.id, at: r.at, mode: r.mode as RequestLog['mode'], rowIds: JSON.parse(r.row_ids), request: JSON.parse(r.request), status: r.status, response: r.response === null ? null : JSON.parse(r.response), durationMs: r.duration_ms }
      : null;
  }

  list(opts: { status?: RowStatus; limit: number; before?: number }): OutboxEntry[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM outbox WHERE (? IS NULL OR status = ?) AND (? IS NULL OR created_at < ?) ORDER BY created_at DESC, id LIMIT ?`,
        opts.status ?? null,
        opts.status ?? null,
        opts.before ?? null,
        opts.before ?? null,
        opts.limit,
      )
      .toArray()
      .map(toEntry);
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ status: string; n: number }>(`SELECT CASE WHEN held IS NOT NULL AND status = 'queued' THEN 'held' ELSE status END AS status, COUNT(*) AS n FROM outbox GROUP BY 1`)) out[r.status] = r.n;
    return out;
  }
}
