import { describe, expect, it } from 'vitest';
import type { OutboxEntry, RequestLog } from '../delivery/outbox';
import { deliveryLogRows } from './destination-log';

const entry = (id: string, over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id,
  entryId: id,
  kind: 'conversion',
  audienceId: 'aud_1',
  conversionId: 'cv_1',
  personKey: 'p1',
  email: 'a@example.com',
  item: { event_id: id },
  status: 'sent',
  attempts: 1,
  dueAt: 5,
  leaseUntil: null,
  batchCap: null,
  deadline: null,
  requestId: null,
  skipReason: null,
  error: null,
  note: null,
  lastRequestId: 'req_1',
  createdAt: 1,
  updatedAt: 2,
  sentAt: 3,
  ...over,
});

const request: RequestLog = {
  id: 'req_1',
  at: 3,
  mode: 'live',
  rowIds: ['e1', 'e2'],
  request: {
    method: 'POST',
    url: 'https://platform.test/events',
    headers: { authorization: '[redacted]' },
    body: { data: [1, 2] },
  },
  status: 200,
  response: { ok: true },
  durationMs: 40,
};

function store() {
  const reads: string[] = [];
  return { reads, request: (id: string) => (reads.push(id), id === request.id ? request : null) };
}

describe('deliveryLogRows', () => {
  it('reads each request once for all the rows that travelled in it, and leaves its body out unless asked', () => {
    const s = store();
    const rows = deliveryLogRows(s, [entry('e1'), entry('e2')], { includeBody: false });
    expect(s.reads).toEqual(['req_1']);
    expect(rows[0]!.request).toEqual({
      id: 'req_1',
      at: 3,
      mode: 'live',
      method: 'POST',
      url: 'https://platform.test/events',
      headers: { authorization: '[redacted]' },
      rows: 2,
      status: 200,
      response: { ok: true },
      durationMs: 40,
    });
    expect(deliveryLogRows(s, [entry('e1')], { includeBody: true })[0]!.request?.body).toEqual({ data: [1, 2] });
  });

  it('shows when a row is due only while it waits, and no request for a row never sent', () => {
    const [queued, sent] = deliveryLogRows(
      store(),
      [entry('q', { status: 'queued', lastRequestId: null, sentAt: null }), entry('s')],
      { includeBody: false },
    );
    expect(queued).toMatchObject({
      key: 'q',
      status: 'queued',
      dueAt: 5,
      request: null,
      coverage: null,
      event: { event_id: 'q' },
    });
    expect(sent!.dueAt).toBeNull();
  });
});
