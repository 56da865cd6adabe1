// The delivery log's row: one outbox entry with the request it last travelled in (credentials
// already redacted when the request was stored), in the shape /api/conversions serves and
// collector/conversions/log.ts merges across destinations. Apart from the DestinationObject because
// it is a pure reshaping of the outbox store's records, not part of the object's delivery work.
import type { OutboxEntry, RequestLog } from '../delivery/outbox';
import type { MatchCoverage } from '../delivery/match-coverage';

/** One row of the cross-destination delivery log (collector/conversions/log.ts merges these). */
export interface DeliveryLogRow extends Pick<
  OutboxEntry,
  | 'entryId'
  | 'kind'
  | 'audienceId'
  | 'conversionId'
  | 'personKey'
  | 'email'
  | 'status'
  | 'attempts'
  | 'error'
  | 'note'
  | 'createdAt'
  | 'updatedAt'
  | 'sentAt'
> {
  /** The row's key in this destination's outbox. */
  key: string;
  skipReason: string | null;
  /** When a queued row is next due, or a pending_confirmation row next checked. */
  dueAt: number | null;
  /** This conversion's part of the request body, exactly as sent. */
  event: unknown;
  /** Its match keys and score, recorded when it was built (null for retractions, skipped rows and rows built before coverage was recorded). */
  coverage: MatchCoverage | null;
  /** The request it last travelled in (credentials redacted); `body` (the whole batch) only when asked. */
  request:
    | (Omit<RequestLog, 'request' | 'rowIds'> & {
        method: string;
        url: string;
        headers: Record<string, string>;
        body?: unknown;
        rows: number;
      })
    | null;
}

type RequestSource = { request(id: string): RequestLog | null };

/** Log rows for outbox entries, each stored request read once however many of the rows travelled in it. */
export function deliveryLogRows(
  store: RequestSource,
  entries: OutboxEntry[],
  options: { includeBody: boolean },
): DeliveryLogRow[] {
  const requests = new Map<string, RequestLog | null>();
  return entries.map((e) => logRow(store, e, requests, options));
}

function logRow(
  store: RequestSource,
  e: OutboxEntry,
  requests: Map<string, RequestLog | null>,
  { includeBody }: { includeBody: boolean },
): DeliveryLogRow {
  let r: RequestLog | null = null;
  if (e.lastRequestId) {
    if (!requests.has(e.lastRequestId)) requests.set(e.lastRequestId, store.request(e.lastRequestId));
    r = requests.get(e.lastRequestId) ?? null;
  }
  return {
    key: e.id,
    entryId: e.entryId,
    kind: e.kind,
    audienceId: e.audienceId,
    conversionId: e.conversionId,
    personKey: e.personKey,
    email: e.email,
    status: e.status,
    attempts: e.attempts,
    skipReason: e.skipReason,
    error: e.error,
    note: e.note,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    sentAt: e.sentAt,
    dueAt: e.status === 'queued' || e.status === 'pending_confirmation' ? e.dueAt : null,
    event: e.item,
    coverage: e.coverage ?? null,
    request: r && {
      id: r.id,
      at: r.at,
      mode: r.mode,
      method: r.request.method,
      url: r.request.url,
      headers: r.request.headers,
      ...(includeBody ? { body: r.request.body } : {}),
      rows: r.rowIds.length,
      status: r.status,
      response: r.response,
      durationMs: r.durationMs,
    },
  };
}
