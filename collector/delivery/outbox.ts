// The outbox of one destination, over a store (SQLite in the DestinationObject, memory in Node
// tests and the bench): enqueue rows once per entry id, flush due rows in batches up to the
// platform's limit under a lease, apply each row's outcome through the retry policy, confirm
// asynchronous requests. A sent row is never queued again; only an explicit retry re-queues a
// failed or dead-lettered row, with the same id.
// (Over 300 lines: enqueue, flush, confirm and requeue are one state machine over the rows' statuses;
// the memory store at the end is the reference OutboxStore that Node tests and the bench run it over.)
import { definitionFor, fitRequest, RETRACTION_SUFFIX, type DestinationDefinition } from '../destinations/definition';
import type { Mode } from '../../shared/schemas/destinations';
import type { CachedToken } from './oauth';
import { DEFAULT_RETRY_POLICY, retryPolicy, type RetryPolicyOptions } from './retry-policy';
import { checkStatus, sendBatch } from './send';
import type { ConversionRow, HttpRequest, PlatformError, SkipReason } from './types';
import { matchCoverage, type MatchCoverage } from './match-coverage';

export const ROW_STATUSES = [
  'queued',
  'leased',
  'sent',
  'unmatched',
  'pending_confirmation',
  'failed',
  'dead_letter',
  'skipped',
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface OutboxEntry {
  /** The row's key in this outbox: the entry id, or `<entry id>:<variant>` (see conversionKey). */
  id: string;
  /** The entry id: the platform's dedup key (event_id / transactionId / orderId / eventId). */
  entryId: string;
  /** 'retraction': withdraws the conversion keyed `id` minus RETRACTION_SUFFIX (sent first, or nothing). */
  kind: 'conversion' | 'retraction';
  audienceId: string | null;
  conversionId: string | null;
  personKey: string | null;
  /** The person's email (the identity), for the delivery log; cleared by erasure. */
  email: string | null;
  /** The prepared platform item, built once: every attempt sends the same bytes. */
  item: unknown;
  /** The item's match coverage, recorded when it was built (null: a retraction, a skipped row, or a row built before coverage was recorded). */
  coverage?: MatchCoverage | null;
  status: RowStatus;
  attempts: number;
  dueAt: number;
  leaseUntil: number | null;
  /** Largest batch this row may travel in (halved when a whole batch is refused). */
  batchCap: number | null;
  /** The platform refuses the event after this (epoch ms), or null. */
  deadline: number | null;
  requestId: string | null;
  skipReason: SkipReason | null;
  error: PlatformError | null;
  note: string | null;
  /** The delivery-log request this row last travelled in. */
  lastRequestId: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

export interface RequestLog {
  id: string;
  at: number;
  mode: Mode;
  rowIds: string[];
  request: HttpRequest;
  status: number | null;
  response: unknown;
  durationMs: number;
}

export interface OutboxStore {
  get(id: string): OutboxEntry | undefined;
  put(entry: OutboxEntry): void;
  /** Queued rows due at `now`, and leased rows whose lease ran out, oldest due first. */
  due(now: number, limit: number): OutboxEntry[];
  /** pending_confirmation rows whose next check is due. */
  pendingDue(now: number): OutboxEntry[];
  /** The earliest time something becomes due, or null. */
  nextWake(): number | null;
  putRequest(log: RequestLog): void;
  /** Adds a built conversion's coverage to the counters of its week (the overview's trend). */
  countCoverage?(at: number, coverage: MatchCoverage): void;
}

export interface DestinationRuntime<S> {
  def: DestinationDefinition<S>;
  settings: S;
  mode: Mode;
  endpoint?: string;
  tokenEndpoint?: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
  policy?: RetryPolicyOptions;
  random?: () => number;
  tokenCache?: CachedToken | null;
  /** Called with a rotated refresh token: the caller saves it (encrypted) in the settings. */
  onRotatedRefreshToken?(token: string): void | Promise<void>;
  /**
   * Whether a due row may go now: its conversion (or audience) may have been paused ('hold') or
   * deleted ('cancel') after the row was handed over. Absent: every row goes.
   */
  gate?(entry: OutboxEntry): 'send' | 'hold' | 'cancel';
}

export interface FlushStats {
  requests: number;
  sent: number;
  unmatched: number;
  pending: number;
  failed: number;
  deadLettered: number;
  retried: number;
}

const LEASE_MS = 60_000;
/** A row of a paused conversion is looked at again this much later. */
export const HOLD_MS = 5 * 60_000;
export const CONFIRM_EVERY_MS = 15 * 60_000;
export const CONFIRM_GIVE_UP_MS = 3 * 86_400_000;
let logSeq = 0;

export async function enqueue<S>(
  store: OutboxStore,
  rt: DestinationRuntime<S>,
  rows: ConversionRow[],
  now: number,
): Promise<{ queued: number; skipped: number; existing: number }> {
  const out = { queued: 0, skipped: 0, existing: 0 };
  for (const row of rows) {
    const key = row.key ?? row.id;
    if (store.get(key)) {
      out.existing++;
      continue;
    }
    const kind = row.kind ?? 'conversion';
    const def = definitionFor(rt.def, kind);
    const prepared = def
      ? await def.prepare(row, rt.settings, now)
      : ({
          ok: false,
          reason: 'no_retraction',
          message: `${rt.def.label} has no way to withdraw a conversion: the reversal is recorded here`,
        } as const);
    // The same row may be handed over twice at once (hand-off is at least once): preparing awaits
    // (hashing), so look again; from here to the put nothing awaits, and the row and its coverage
    // counter are written once.
    if (store.get(key)) {
      out.existing++;
      continue;
    }
    const maxAge = def ? def.maxEventAgeMs(row.conversion) : null;
    const base: OutboxEntry = {
      id: key,
      entryId: row.id,
      kind,
      audienceId: row.origin?.audienceId ?? null,
      conversionId: row.origin?.conversionId ?? null,
      personKey: row.origin?.personKey ?? null,
      email: row.email,
      item: null,
      status: 'queued',
      attempts: 0,
      dueAt: now,
      leaseUntil: null,
      batchCap: null,
      deadline: maxAge === null ? null : Math.min(row.eventTime * 1000, now) + maxAge,
      requestId: null,
      skipReason: null,
      error: null,
      note: null,
      lastRequestId: null,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
    };
    if (prepared.ok) {
      // Coverage is recorded with the row, from the bytes that will be sent; the counter goes with it.
      const coverage = kind === 'conversion' ? matchCoverage(rt.def.type, prepared.item, row, now) : null;
      store.put({ ...base, item: prepared.item, coverage });
      if (coverage) store.countCoverage?.(now, coverage);
      out.queued++;
    } else {
      store.put({ ...base, status: 'skipped', skipReason: prepared.reason, note: prepared.message });
      out.skipped++;
    }
  }
  return out;
}

/** Re-queue a failed or dead-lettered row with the same id (POST /api/conversions/{id}/retry). */
export function requeue(store: OutboxStore, id: string, now: number): OutboxEntry | null {
  const e = store.get(id);
  if (!e || (e.status !== 'failed' && e.status !== 'dead_letter')) return null;
  const next = {
    ...e,
    status: 'queued' as const,
    attempts: 0,
    dueAt: now,
    batchCap: null,
    error: null,
    note: 'retried from the API',
    updatedAt: now,
  };
  store.put(next);
  return next;
}

/** A rotated refresh token replaces the old one at once (the platform may have revoked it), then is saved. */
async function rotate<S>(rt: DestinationRuntime<S>, token: string): Promise<void> {
  rt.settings = { ...rt.settings, refreshToken: token };
  await rt.onRotatedRefreshToken?.(token);
}

function newStats(): FlushStats {
  return { requests: 0, sent: 0, unmatched: 0, pending: 0, failed: 0, deadLettered: 0, retried: 0 };
}

/** Send every due row, batch by batch (at most `maxBatches`). */
export async function flush<S>(
  store: OutboxStore,
  rt: DestinationRuntime<S>,
  now: () => number,
  maxBatches = 50,
): Promise<FlushStats> {
  const stats = newStats();
  const random = rt.random ?? Math.random;
  for (let b = 0; b < maxBatches; b++) {
    const t = now();
    const due = store.due(t, rt.def.batchLimit);
    if (!due.length) break;
    // A row that waited (paused destination, retries) past the platform's age limit is never sent:
    // one stale Meta event would sink its whole batch.
    const margin = (rt.policy ?? DEFAULT_RETRY_POLICY).ageMarginMs;
    const candidates = due
      .filter((e) => {
        if (e.deadline === null || e.deadline - margin > t) return true;
        store.put({
          ...e,
          status: 'skipped',
          skipReason: 'too_old',
          leaseUntil: null,
          note: 'older than the platform accepts by the time it could be sent',
          updatedAt: t,
        });
        return false;
      })
      .filter((e) => {
        const gate = rt.gate?.(e) ?? 'send';
        if (gate === 'send') return true;
        if (gate === 'cancel')
          store.put({
            ...e,
            status: 'skipped',
            skipReason: 'cancelled',
            leaseUntil: null,
            note: 'its conversion or audience was deleted before it was sent',
            updatedAt: t,
          });
        else
          store.put({
            ...e,
            status: 'queued',
            dueAt: t + HOLD_MS,
            leaseUntil: null,
            note: 'held: its conversion or audience is paused',
            updatedAt: t,
          });
        return false;
      });
    // A retraction goes only after its conversion was sent; one never sent has nothing to withdraw.
    const ready = candidates.filter((e) => {
      if (e.kind !== 'retraction') return true;
      const original = store.get(e.id.slice(0, -RETRACTION_SUFFIX.length));
      if (original?.status === 'sent') return true;
      if (original && ['queued', 'leased', 'pending_confirmation'].includes(original.status)) {
        store.put({
          ...e,
          status: 'queued',
          dueAt: t + HOLD_MS,
          leaseUntil: null,
          note: 'held: its conversion is not sent yet',
          updatedAt: t,
        });
        return false;
      }
      store.put({
        ...e,
        status: 'skipped',
        skipReason: 'not_sent',
        leaseUntil: null,
        note: `its conversion was never sent (${original ? original.status : 'no such row'}): nothing to withdraw`,
        updatedAt: t,
      });
      return false;
    });
    if (!ready.length) continue;
    // One request carries one kind: conversions and retractions are different platform calls.
    const kind = ready[0]!.kind;
    const def = definitionFor(rt.def, kind)!;
    const same = ready.filter((e) => e.kind === kind);
    const cap = Math.min(def.batchLimit, ...same.map((c) => c.batchCap ?? Infinity));
    // Rows that would take a request past a platform's other per-request cap wait for the next one.
    const batch = fitRequest(
      def,
      same.map((c) => c.item),
      cap,
    ).map((i) => same[i]!);
    // Lease first: a crash or a concurrent flush past this point cannot pick these rows up until
    // the lease runs out, and then they are resent with the same ids (an ambiguous send).
    for (const e of batch)
      store.put({
        ...e,
        status: 'leased',
        leaseUntil: t + LEASE_MS + (rt.timeoutMs ?? 15_000),
        attempts: e.attempts + 1,
        updatedAt: t,
      });
    const started = now();
    const result = await sendBatch(
      def,
      batch.map((e) => e.item),
      {
        settings: rt.settings,
        mode: rt.mode,
        endpoint: rt.endpoint,
        tokenEndpoint: rt.tokenEndpoint,
        now: started,
        fetchImpl: rt.fetchImpl,
        timeoutMs: rt.timeoutMs,
        tokenCache: rt.tokenCache,
      },
    );
    rt.tokenCache = result.tokenCache;
    if (result.rotatedRefreshToken) await rotate(rt, result.rotatedRefreshToken);
    const done = now();
    // One draw per batch: rows that failed together come due together and travel together again
    // (a draw per row would scatter them into batches of one).
    const jitter = random();
    const logId = `${started.toString(36)}-${(logSeq++).toString(36)}-${Math.floor(random() * 1e9).toString(36)}`;
    if (result.sent) stats.requests++;
    store.putRequest({
      id: logId,
      at: started,
      mode: rt.mode,
      rowIds: batch.map((e) => e.id),
      request: result.request,
      status: result.response?.status ?? null,
      response: result.response?.body ?? null,
      durationMs: done - started,
    });
    batch.forEach((e, i) => {
      const leased = store.get(e.id)!;
      const outcome = result.outcomes[i]!;
      const common = { ...leased, leaseUntil: null, lastRequestId: logId, updatedAt: done };
      switch (outcome.status) {
        case 'sent':
          stats.sent++;
          store.put({ ...common, status: 'sent', sentAt: done, note: outcome.note ?? null, error: null });
          return;
        case 'unmatched':
          stats.unmatched++;
          store.put({ ...common, status: 'unmatched', sentAt: done, error: outcome.error });
          return;
        case 'pending_confirmation':
          stats.pending++;
          store.put({
            ...common,
            status: 'pending_confirmation',
            sentAt: done,
            requestId: outcome.requestId,
            dueAt: done + CONFIRM_EVERY_MS,
          });
          return;
        case 'error': {
          const d = retryPolicy({
            failure: outcome.failure,
            attempts: leased.attempts,
            now: done,
            deadline: leased.deadline,
            refreshed: result.refreshed,
            random: jitter,
          });
          if (d.action === 'split') {
            const half = Math.max(1, Math.floor(batch.length / 2));
            store.put({
              ...common,
              status: 'queued',
              attempts: leased.attempts - 1,
              batchCap: half,
              dueAt: done,
              error: outcome.failure.error,
            });
            stats.retried++;
          } else if (d.action === 'retry') {
            store.put({
              ...common,
              status: 'queued',
              dueAt: d.at,
              error: outcome.failure.error,
              note: d.at > done ? `retry at ${new Date(d.at).toISOString()}` : null,
            });
            stats.retried++;
          } else if (d.action === 'dead_letter') {
            store.put({ ...common, status: 'dead_letter', error: outcome.failure.error, note: d.reason });
            stats.deadLettered++;
          } else {
            // 'fail', and 'refresh_token' reaching here means the refresh already happened.
            store.put({
              ...common,
              status: 'failed',
              error: outcome.failure.error,
              note: d.action === 'fail' ? d.reason : 'unauthorized',
            });
            stats.failed++;
          }
        }
      }
    });
  }
  return stats;
}

/** Read how asynchronous requests ended; rows stay pending_confirmation until the platform says. */
export async function confirm<S>(
  store: OutboxStore,
  rt: DestinationRuntime<S>,
  now: () => number,
): Promise<FlushStats> {
  const stats = newStats();
  const byRequest = new Map<string, OutboxEntry[]>();
  for (const e of store.pendingDue(now()))
    if (e.requestId) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e]);
  for (const [requestId, rows] of byRequest) {
    const r = await checkStatus(rt.def, requestId, {
      settings: rt.settings,
      mode: rt.mode,
      endpoint: rt.endpoint,
      tokenEndpoint: rt.tokenEndpoint,
      now: now(),
      fetchImpl: rt.fetchImpl,
      timeoutMs: rt.timeoutMs,
      tokenCache: rt.tokenCache,
    });
    rt.tokenCache = r.tokenCache;
    if (r.rotatedRefreshToken) await rotate(rt, r.rotatedRefreshToken);
    const t = now();
    for (const e of rows) {
      const o = r.outcome;
      if (o.status === 'pending_confirmation') {
        // Google accepted the request; if it never reports an end, stop asking after a few days.
        if (t - (e.sentAt ?? e.createdAt) > CONFIRM_GIVE_UP_MS)
          store.put({
            ...e,
            status: 'sent',
            note: 'accepted; no final status from the platform after 3 days',
            updatedAt: t,
          });
        else store.put({ ...e, dueAt: t + CONFIRM_EVERY_MS, updatedAt: t });
      } else if (o.status === 'sent')
        (stats.sent++, store.put({ ...e, status: 'sent', note: o.note ?? 'confirmed', updatedAt: t }));
      else if (o.status === 'unmatched')
        (stats.unmatched++, store.put({ ...e, status: 'unmatched', error: o.error, updatedAt: t }));
      else if (o.status === 'error')
        (stats.failed++, store.put({ ...e, status: 'failed', error: o.failure.error, updatedAt: t }));
    }
  }
  return stats;
}

/** An in-memory store: Node tests and the bench. */
export class MemoryOutboxStore implements OutboxStore {
  readonly rows = new Map<string, OutboxEntry>();
  readonly requests: RequestLog[] = [];
  get(id: string) {
    return this.rows.get(id);
  }
  put(entry: OutboxEntry) {
    this.rows.set(entry.id, entry);
  }
  due(now: number, limit: number) {
    const out: OutboxEntry[] = [];
    for (const e of this.rows.values())
      if ((e.status === 'queued' && e.dueAt <= now) || (e.status === 'leased' && (e.leaseUntil ?? 0) <= now))
        out.push(e);
    return out.sort((a, b) => a.dueAt - b.dueAt).slice(0, limit);
  }
  pendingDue(now: number) {
    return [...this.rows.values()].filter((e) => e.status === 'pending_confirmation' && e.dueAt <= now);
  }
  nextWake() {
    let next: number | null = null;
    for (const e of this.rows.values()) {
      const at =
        e.status === 'queued' || e.status === 'pending_confirmation'
          ? e.dueAt
          : e.status === 'leased'
            ? e.leaseUntil
            : null;
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }
  putRequest(log: RequestLog) {
    this.requests.push(log);
  }
}
