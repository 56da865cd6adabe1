import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { conversionsPage, readLogQuery } from '../../admin/conversions-log';
import { getConversion, retryConversion, type ConversionQuery } from '../../conversions/log';
import { ROW_STATUSES } from '../../delivery/outbox';
import { ApiError } from '../../http-error';
import { viewOf } from './view';
import { Details, Row } from '../../admin/components/conversion-details';

export const conversionsPages = new Hono<AdminContext>();

function query(f: ConversionQuery, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ status: f.status, audience: f.audience, destination: f.destination, ...extra }))
    if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

conversionsPages.get('/', async (c) => {
  const log = await conversionsPage(
    c.env,
    readLogQuery((n) => c.req.query(n)),
  );
  const filter = log.query;
  const done = c.req.query('done');
  const back = `${c.var.base}/conversions${query(filter)}`;
  const audienceNames = new Map(log.audiences.map((a) => [a.id, a.name]));
  return c.html(
    <Layout title="Conversions" view={viewOf(c, '/conversions')}>
      {done === 'retried' && (
        <Notice kind="ok">
          The conversion is queued again, with the same id: it is sent on the destination's next flush.
        </Notice>
      )}
      {log.error && <Notice kind="error">That filter was not used: {log.error}.</Notice>}
      <p>
        Every conversion made for a destination: its status, this conversion's part of the request, the request
        (credentials redacted) and the platform's answer. Newest first.
      </p>
      <form method="get" action={`${c.var.base}/conversions`} class="filters">
        <FilterSelect
          id="f-status"
          name="status"
          label="Status"
          value={filter.status}
          options={ROW_STATUSES.map((s) => [s, s])}
        />
        <FilterSelect
          id="f-audience"
          name="audience"
          label="Audience"
          value={filter.audience}
          options={log.audiences.map((a) => [a.id, a.name])}
        />
        <FilterSelect
          id="f-destination"
          name="destination"
          label="Destination"
          value={filter.destination}
          options={log.destinations.map((d) => [d.id, `${d.name || d.id}${d.deletedAt !== null ? ' (deleted)' : ''}`])}
        />
        <div>
          <button type="submit">Filter</button>
        </div>
      </form>
      {log.rows.length === 0 ? (
        <p class="muted">No conversions match.</p>
      ) : (
        <ul class="log" aria-label="Conversions">
          {log.rows.map((r) => (
            <Row
              r={r}
              base={c.var.base}
              csrf={c.var.csrf}
              back={back}
              audienceName={r.audienceId ? (audienceNames.get(r.audienceId) ?? null) : null}
            />
          ))}
        </ul>
      )}
      {log.cursor !== null && (
        <p>
          <a href={`${c.var.base}/conversions${query(filter, { cursor: log.cursor })}`}>Older conversions</a>
        </p>
      )}
    </Layout>,
  );
});

conversionsPages.get('/:id', async (c) => {
  const out = await getConversion(c.env, c.req.param('id'));
  if (!out.ok) throw new ApiError(404, 'not_found', 'There is no such conversion.');
  const r = out.value;
  return c.html(
    <Layout title={`Conversion ${r.key}`} view={viewOf(c, '/conversions')}>
      <p>
        <strong>{r.status}</strong>
        {r.attempts > 0 && ` after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`}
      </p>
      <Details r={r} base={c.var.base} csrf={c.var.csrf} back={`${c.var.base}/conversions`} whole />
    </Layout>,
  );
});

function safeBack(c: Context<AdminContext>, back: unknown): string {
  const fallback = `${c.var.base}/conversions`;
  return typeof back === 'string' && (back === fallback || back.startsWith(`${fallback}?`)) && !back.includes('//')
    ? back
    : fallback;
}

conversionsPages.post('/retry', async (c) => {
  const form = await c.req.parseBody();
  const id = typeof form.id === 'string' ? form.id : '';
  const out = await retryConversion(c.env, id);
  if (!out.ok)
    throw new ApiError(
      out.status === 404 ? 404 : 400,
      out.code,
      out.code === 'not_retryable'
        ? 'Only failed or dead-lettered conversions can be retried; this one is not (any more).'
        : 'There is no such conversion.',
    );
  await logChange(
    c,
    'conversion.retried',
    `conversion ${out.value.key}`,
    `destination ${out.value.destinationName ?? out.value.destinationId}`,
  );
  const back = safeBack(c, form.back);
  return c.redirect(`${back}${back.includes('?') ? '&' : '?'}done=retried`, 303);
});

/** One filter of the log: "any" or one of the options, as [value, label] pairs. */
function FilterSelect(props: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  options: [string, string][];
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name}>
        <option value="">any</option>
        {props.options.map(([value, label]) => (
          <option value={value} selected={props.value === value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
