// The outbox store on Durable Object SQLite (synchronous, parameterized).
import type { OutboxEntry, OutboxStore, RequestLog, RowStatus } from './outbox';
import type { MatchCoverage } from './match-coverage';
import { countCoverage, weekOf, type CoverageWeek } from './coverage-report';

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
  entry_id: string | null;
  audience_id: string | null;
  conversion_id: string | null;
  person_key: string | null;
  email: string | null;
  kind: 'conversion' | 'retraction';
  coverage: string | null;
};

/** Filters of the delivery log; `after` continues a page (newest first: created_at DESC, id DESC). */
export interface LogQuery {
  status?: RowStatus;
  audienceId?: string;
  personKey?: string;
  /** Rows strictly older than this (created_at, id) position. */
  after?: { createdAt: number; id: string };
  limit: number;
}

function toEntry(r: Row): OutboxEntry {
  return {
    id: r.id,
    entryId: r.entry_id ?? r.id,
    kind: r.kind ?? 'conversion',
    audienceId: r.audience_id,
    conversionId: r.conversion_id,
    personKey: r.person_key,
    email: r.email,
    item: r.item === null ? null : JSON.parse(r.item),
    coverage: r.coverage ? (JSON.parse(r.coverage) as MatchCoverage) : null,
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
      `INSERT INTO outbox (id, item, status, attempts, due_at, lease_until, batch_cap, deadline, request_id, skip_reason, error, note, last_request_id, created_at, updated_at, sent_at,
         entry_id, audience_id, conversion_id, person_key, email, kind, coverage)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET item = excluded.item, status = excluded.status, attempts = excluded.attempts, due_at = excluded.due_at,
         lease_until = excluded.lease_until, batch_cap = excluded.batch_cap, deadline = excluded.deadline, request_id = excluded.request_id,
         skip_reason = excluded.skip_reason, error = excluded.error, note = excluded.note, last_request_id = excluded.last_request_id,
         updated_at = excluded.updated_at, sent_at = excluded.sent_at, email = excluded.email, coverage = excluded.coverage`,
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
      e.entryId,
      e.audienceId,
      e.conversionId,
      e.personKey,
      e.email,
      e.kind,
      e.coverage ? JSON.stringify(e.coverage) : null,
    );
  }

  due(now: number, limit: number): OutboxEntry[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM outbox WHERE (status = 'queued' AND due_at <= ?) OR (status = 'leased' AND lease_until <= ?) ORDER BY due_at, id LIMIT ?`,
        now,
        now,
        limit,
      )
      .toArray()
      .map(toEntry);
  }

  pendingDue(now: number): OutboxEntry[] {
    return this.sql
      .exec<Row>(`SELECT * FROM outbox WHERE status = 'pending_confirmation' AND due_at <= ?`, now)
      .toArray()
      .map(toEntry);
  }

  nextWake(): number | null {
    const r = this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(CASE WHEN status = 'leased' THEN lease_until ELSE due_at END) AS at FROM outbox WHERE status IN ('queued', 'pending_confirmation', 'leased')`,
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
    const r = this.sql
      .exec<{
        id: string;
        at: number;
        mode: string;
        row_ids: string;
        request: string;
        status: number | null;
        response: string | null;
        duration_ms: number;
      }>('SELECT * FROM requests WHERE id = ?', id)
      .toArray()[0];
    return r
      ? {
          id: r.id,
          at: r.at,
          mode: r.mode as RequestLog['mode'],
          rowIds: JSON.parse(r.row_ids),
          request: JSON.parse(r.request),
          status: r.status,
          response: r.response === null ? null : JSON.parse(r.response),
          durationMs: r.duration_ms,
        }
      : null;
  }

  /** The delivery log, newest first; each filter is served by an index on (filter, created_at, id). */
  list(q: LogQuery): OutboxEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.status) (where.push('status = ?'), args.push(q.status));
    if (q.audienceId) (where.push('audience_id = ?'), args.push(q.audienceId));
    if (q.personKey) (where.push('person_key = ?'), args.push(q.personKey));
    if (q.after)
      (where.push('(created_at < ? OR (created_at = ? AND id < ?))'),
        args.push(q.after.createdAt, q.after.createdAt, q.after.id));
    const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    return this.sql
      .exec<Row>(sql, ...args, q.limit)
      .toArray()
      .map(toEntry);
  }

  /** Erasure: the person's rows keep their status and ids; identity, payload and the copy in each request body go. */
  forgetPerson(personKey: string): number {
    const rows = this.sql
      .exec<{ id: string; item: string | null; last_request_id: string | null }>(
        'SELECT id, item, last_request_id FROM outbox WHERE person_key = ?',
        personKey,
      )
      .toArray();
    for (const r of rows) {
      if (r.item && r.last_request_id) {
        const req = this.sql
          .exec<{ request: string }>('SELECT request FROM requests WHERE id = ?', r.last_request_id)
          .toArray()[0];
        // The item sits in the body as the same JSON text it was stored as.
        if (req && req.request.includes(r.item))
          this.sql.exec(
            'UPDATE requests SET request = ? WHERE id = ?',
            req.request.split(r.item).join('"[ERASED]"'),
            r.last_request_id,
          );
      }
      this.sql.exec(
        `UPDATE outbox SET email = NULL, item = NULL, status = CASE WHEN status IN ('queued', 'leased') THEN 'skipped' ELSE status END,
        skip_reason = CASE WHEN status IN ('queued', 'leased') THEN 'erased' ELSE skip_reason END, note = CASE WHEN status IN ('queued', 'leased') THEN 'person erased before sending' ELSE note END
        WHERE id = ?`,
        r.id,
      );
    }
    return rows.length;
  }

  /**
   * Counters per week rather than a scan of the rows: the overview reads 8 weeks of every
   * destination on each view, and a scan would parse every row's JSON of those weeks (hundreds of
   * thousands in a busy outbox: 6.3 s for 100,000 rows in bench/coverage-weeks.workers.ts); counters cost
   * one small upsert per built row and 8 rows to read.
   */
  countCoverage(at: number, coverage: MatchCoverage): void {
    const week = weekOf(at);
    const r = this.sql
      .exec<{ conversions: number; score_sum: number; keys: string }>(
        'SELECT conversions, score_sum, keys FROM coverage_weeks WHERE week = ?',
        week,
      )
      .toArray()[0];
    const next = countCoverage(
      r
        ? { week, conversions: r.conversions, scoreSum: r.score_sum, keys: JSON.parse(r.keys) }
        : { week, conversions: 0, scoreSum: 0, keys: {} },
      coverage,
    );
    this.sql.exec(
      `INSERT INTO coverage_weeks (week, conversions, score_sum, keys) VALUES (?, ?, ?, ?)
       ON CONFLICT (week) DO UPDATE SET conversions = excluded.conversions, score_sum = excluded.score_sum, keys = excluded.keys`,
      week,
      next.conversions,
      next.scoreSum,
      JSON.stringify(next.keys),
    );
  }

  /** The coverage counters of the weeks from `fromWeek` on. */
  coverageWeeks(fromWeek: number): CoverageWeek[] {
    return this.sql
      .exec<{ week: number; conversions: number; score_sum: number; keys: string }>(
        'SELECT week, conversions, score_sum, keys FROM coverage_weeks WHERE week >= ? ORDER BY week',
        fromWeek,
      )
      .toArray()
      .map((r) => ({ week: r.week, conversions: r.conversions, scoreSum: r.score_sum, keys: JSON.parse(r.keys) }));
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ status: string; n: number }>(
      'SELECT status, COUNT(*) AS n FROM outbox GROUP BY status',
    ))
      out[r.status] = r.n;
    return out;
  }
}
