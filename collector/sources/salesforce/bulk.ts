// Bulk API 2.0 for a large first backfill: a query job over the records modified before now less a
// margin, polled a few times within a page (a job still running ends the run, the next resumes
// it), its CSV results read a page at a time by locator. Apart from the connector's SOQL paging
// because the job has its own life in the cursor (`bulk`) and moves the stream's mark only once
// the whole job is read.
import { parseCsv } from './csv';
import { syncedFields, type SalesforceCursor } from './cursor';
import type { Session } from './session';
import type { SalesforceSettings } from './settings';
import { soql, type Stream } from './streams';

// Bulk jobs read records modified before now minus this; the SOQL stream takes over from there, so
// a clock skew smaller than this neither skips nor loses a change (an overlap is applied twice, harmless).
export const BULK_MARGIN_MS = 5 * 60_000;

/** Starts a job over the stream's records from its mark up to now less the margin. */
export async function startBulk(
  session: Session,
  state: SalesforceCursor,
  stream: Stream,
  list: string[],
  now: number,
): Promise<void> {
  const before = new Date(now - BULK_MARGIN_MS).toISOString();
  const query = soql(stream, list, state.marks[stream.name]!, { before, bulk: true });
  const job = await session.json<{ id: string }>('/jobs/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'query', query }),
  });
  state.bulk = { stream: stream.name, jobId: job.id, before };
}

/** One page of the job's results, or none while it runs (`wait` once the polls are spent); a failed job hands back to SOQL. */
export async function bulkPage(
  session: Session,
  settings: SalesforceSettings,
  state: SalesforceCursor,
  stream: Stream,
  issues: Map<string, string>,
  poll: { pollMs: number[]; sleep: (ms: number) => Promise<void> },
) {
  const job = state.bulk!;
  for (let i = 0; !job.ready; i++) {
    const info = await session.json<{ state: string; errorMessage?: string }>(`/jobs/query/${job.jobId}`);
    if (info.state === 'JobComplete') job.ready = true;
    else if (info.state === 'Failed' || info.state === 'Aborted') {
      // The SOQL stream reads the same records from the mark, only more slowly.
      delete state.bulk;
      state.fresh = state.fresh.filter((n) => n !== stream.name);
      issues.set(
        `${stream.sobject}.bulk`,
        `Bulk API job ${info.state.toLowerCase()}${info.errorMessage ? `: ${info.errorMessage}` : ''}; read with SOQL instead`,
      );
      return { records: [], finished: false, wait: false };
    } else if (i >= poll.pollMs.length) return { records: [], finished: false, wait: true };
    else await poll.sleep(poll.pollMs[i]!);
  }
  const query = `maxRecords=${settings.pageSize}${job.locator ? `&locator=${encodeURIComponent(job.locator)}` : ''}`;
  const answer = await session.request(`/jobs/query/${job.jobId}/results?${query}`, {
    headers: { accept: 'text/csv' },
  });
  const list = syncedFields(settings, state, stream.object);
  const types = state.types?.[stream.object] ?? {};
  const records = parseCsv(answer.text).flatMap((row) => stream.toRecords(row, list, types, issues));
  const locator = answer.headers.get('sforce-locator');
  if (locator && locator !== 'null') job.locator = locator;
  else {
    // Bulk results come in no order: the mark moves only once the whole job is read.
    delete state.bulk;
    state.marks[stream.name] = { t: job.before, id: '' };
    state.fresh = state.fresh.filter((n) => n !== stream.name);
  }
  return { records, finished: false, wait: false };
}
