// GET /api/export/{people,conversions,audiences}?format=jsonl|csv: backups and hand-offs to other
// tools, streamed page by page (people over every directory shard, conversions over every
// destination's delivery log), so an export never holds the whole set in memory.
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { DIRECTORY_SHARDS } from '../../directory';
import type { DirectoryRow } from '../../objects/directory';
import { listConversions, LOG_PAGE_MAX } from '../../conversions/log';
import { configObject, directoryShard } from '../../objects/doors';
import { logError } from '../../log-error';

export const exportRoutes = new Hono<AppContext>();

const PEOPLE_PAGE = 500;
type Format = 'jsonl' | 'csv';
type Column<T> = [name: string, value: (row: T) => unknown];

function formatOf(c: Context<AppContext>): Format {
  const f = c.req.query('format') ?? 'jsonl';
  if (f !== 'jsonl' && f !== 'csv') throw new ApiError(400, 'invalid_format', 'format is jsonl or csv');
  return f;
}

// A cell a spreadsheet would run as a formula (=, +, -, @) is prefixed with ' (CSV injection).
export function csvCell(value: unknown): string {
  let s =
    value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function stream<T>(
  c: Context<AppContext>,
  name: string,
  format: Format,
  columns: Column<T>[],
  pages: () => AsyncGenerator<T[]>,
) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (format === 'csv') controller.enqueue(encoder.encode(`${columns.map(([n]) => n).join(',')}\r\n`));
        for await (const rows of pages()) {
          const text = rows
            .map((r) =>
              format === 'csv'
                ? `${columns.map(([, v]) => csvCell(v(r))).join(',')}\r\n`
                : `${JSON.stringify(Object.fromEntries(columns.map(([n, v]) => [n, v(r) ?? null])))}\n`,
            )
            .join('');
          if (text) controller.enqueue(encoder.encode(text));
        }
        controller.close();
      } catch (e) {
        // Headers are gone already: a cut-off body (no final newline) is how a client tells.
        logError('export failed', e);
        controller.error(e);
      }
    },
  });
  const date = new Date(c.get('now')).toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}-${date}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

exportRoutes.get('/people', (c) => {
  const columns: Column<DirectoryRow>[] = [
    ['email', (r) => r.email],
    ['createdAt', (r) => iso(r.createdAt)],
    ['updatedAt', (r) => iso(r.updatedAt)],
    ['attributes', (r) => r.attributes],
  ];
  return stream(c, 'people', formatOf(c), columns, async function* () {
    for (let shard = 0; shard < DIRECTORY_SHARDS; shard++) {
      for (let after = ''; ;) {
        const rows = (await directoryShard(c.env, shard).search('', after, PEOPLE_PAGE)) as DirectoryRow[];
        yield rows;
        if (rows.length < PEOPLE_PAGE) break;
        after = rows[rows.length - 1]!.email;
      }
    }
  });
});

type LogEntry =
  Awaited<ReturnType<typeof listConversions>> extends infer R
    ? R extends { ok: true; value: { conversions: (infer E)[] } }
      ? E
      : never
    : never;

exportRoutes.get('/conversions', (c) => {
  const columns: Column<LogEntry>[] = [
    ['id', (r) => r.id],
    ['createdAt', (r) => iso(r.createdAt)],
    ['destinationId', (r) => r.destinationId],
    ['destinationType', (r) => r.destinationType],
    ['audienceId', (r) => r.audienceId],
    ['conversionId', (r) => r.conversionId],
    ['email', (r) => r.email],
    ['status', (r) => r.status],
    ['attempts', (r) => r.attempts],
    ['sentAt', (r) => iso(r.sentAt)],
    ['skipReason', (r) => r.skipReason],
    ['error', (r) => r.error],
    ['event', (r) => r.event],
    ['coverage', (r) => r.coverage],
  ];
  return stream(c, 'conversions', formatOf(c), columns, async function* () {
    for (let cursor: string | undefined; ;) {
      const r = await listConversions(c.env, { cursor, limit: LOG_PAGE_MAX });
      if (!r.ok) throw new Error(r.code);
      yield r.value.conversions;
      if (!r.value.cursor) break;
      cursor = r.value.cursor;
    }
  });
});

type AudienceRow = Record<string, unknown> & { id: string };

exportRoutes.get('/audiences', async (c) => {
  const format = formatOf(c);
  const config = configObject(c.env);
  const [audiences, conversions] = (await Promise.all([config.listAudiences(), config.listConversions()])) as [
    AudienceRow[],
    (Record<string, unknown> & { audienceId: string })[],
  ];
  const columns: Column<AudienceRow>[] = [
    ['id', (a) => a.id],
    ['name', (a) => a.name],
    ['paused', (a) => a.paused],
    ['criteria', (a) => a.criteria],
    ['timestamp', (a) => a.timestamp],
    ['definition', (a) => a],
    ['conversions', (a) => conversions.filter((x) => x.audienceId === a.id)],
  ];
  return stream(c, 'audiences', format, columns, async function* () {
    yield audiences;
  });
});
