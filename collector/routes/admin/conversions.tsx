import { Hono, type Context } from 'hono';
import { audit } from '../../admin/audit';
import { CsrfField } from '../../admin/components/csrf-field';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { Time } from '../../admin/components/time';
import type { AdminContext } from '../../admin/context';
import { conversionsLog, readLogFilter, retryConversion, type LogFilter, type LogRow } from '../../admin/conversions-log';
import { prettyJson } from '../../admin/format';
import { ROW_STATUSES } from '../../delivery/outbox';
import { ApiError } from '../../http-error';
import { viewOf } from './view';

export const conversionsPages = new Hono<AdminContext>();

// A batch request can carry a thousand events: the page shows this row's own payload in full and
// the request and response up to this many characters.
const MAX_SHOWN = 20_000;
const RETRYABLE = new Set(['failed', 'dead_letter']);

function clipped(value: unknown): string {
  const text = prettyJson(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
}

function query(f: LogFilter, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ status: f.status, audience: f.audience, destination: f.destination, ...extra })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function Row(props: { r: LogRow; base: string; csrf: string; back: string }) {
  const r = props.r;
  const req = r.request;
  return (
    <li>
      <details class="card log-row">
        <summary>
          <span class={`status-${r.status === 'dead_letter' ? 'dead' : r.status}`}>
            <strong>{r.status}</strong>
          </span>{' '}
          · {r.destinationName} · {r.audienceName ?? <span class="muted">audience unknown</span>} · <Time ms={r.createdAt} />
          {r.attempts > 0 && ` · ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`}
        </summary>
        <dl class="attrs">
          <dt>Conversion</dt>
          <dd>
            <code>{r.id}</code>
          </dd>
          <dt>Destination</dt>
          <dd>
            <a href={`${props.base}/destinations/${encodeURIComponent(r.destinationId)}`}>{r.destinationName}</a>
          </dd>
          {r.audienceId && (
            <>
              <dt>Audience</dt>
              <dd>
                <a href={`${props.base}/audiences/${encodeURIComponent(r.audienceId)}`}>{r.audienceName ?? r.audienceId}</a>
              </dd>
            </>
          )}
          <dt>Sent</dt>
          <dd>
            <Time ms={r.sentAt} />
          </dd>
          {r.note && (
            <>
              <dt>Note</dt>
              <dd>{r.note}</dd>
            </>
          )}
          {r.skipReason && (
            <>
              <dt>Skipped because</dt>
              <dd>{r.skipReason}</dd>
            </>
          )}
          {r.error && (
            <>
              <dt>Platform error</dt>
              <dd>
                <code>{r.error.code}</code>: {r.error.message}
              </dd>
            </>
          )}
        </dl>
        {RETRYABLE.has(r.status) && (
          <form method="post" action={`${props.base}/conversions/retry`}>
            <CsrfField token={props.csrf} />
            <input type="hidden" name="destination" value={r.destinationId} />
            <input type="hidden" name="conversion" value={r.id} />
            <input type="hidden" name="back" value={props.back} />
            <div class="actions">
              <button type="submit">Retry this conversion</button>
            </div>
          </form>
        )}
        <h3>This conversion's payload</h3>
        <pre>{clipped(r.item)}</pre>
        {req ? (
          <>
            <h3>
              Request ({req.mode}, <Time ms={req.at} />, {req.rowIds.length} conversion{req.rowIds.length === 1 ? '' : 's'} in it; credentials redacted)
            </h3>
            <pre>{clipped({ method: req.request.method, url: req.request.url, headers: req.request.headers, body: req.request.body })}</pre>
            <h3>Response {req.status === null ? '(none: not sent, or no answer)' : `(HTTP ${req.status}, ${req.durationMs} ms)`}</h3>
            <pre>{clipped(req.response)}</pre>
          </>
        ) : (
          <p class="muted">Not sent yet: no request.</p>
        )}
      </details>
    </li>
  );
}

conversionsPages.get('/', async (c) => {
  const filter = readLogFilter((n) => c.req.query(n));
  const log = await conversionsLog(c.env, filter, c.var.now);
  const done = c.req.query('done');
  const back = `${c.var.base}/conversions${query(filter)}`;
  return c.html(
    <Layout title="Conversions" view={viewOf(c, '/conversions')}>
      {done === 'retried' && <Notice kind="ok">The conversion is queued again, with the same id: it is sent on the destination's next flush.</Notice>}
      <p>Every conversion made for a destination: its status, the exact request (credentials redacted) and the platform's answer. Newest first.</p>
      <form method="get" action={`${c.var.base}/conversions`} class="filters">
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">any</option>
            {ROW_STATUSES.map((s) => (
              <option value={s} selected={filter.status === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-audience">Audience</label>
          <select id="f-audience" name="audience">
            <option value="">any</option>
            {log.audiences.map((a) => (
              <option value={a.id} selected={filter.audience === a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-destination">Destination</label>
          <select id="f-destination" name="destination">
            <option value="">any</option>
            {log.destinations.map((d) => (
              <option value={d.id} selected={filter.destination === d.id}>
                {d.name || d.id}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Filter</button>
        </div>
      </form>
      {log.rows.length === 0 ? (
        <p class="muted">No conversions match.</p>
      ) : (
        <ul class="log" aria-label="Conversions">
          {log.rows.map((r) => (
            <Row r={r} base={c.var.base} csrf={c.var.csrf} back={back} />
          ))}
        </ul>
      )}
      {log.next !== null && (
        <p>
          <a href={`${c.var.base}/conversions${query(filter, { before: String(log.next) })}`}>Older conversions</a>
        </p>
      )}
    </Layout>,
  );
});

function safeBack(c: Context<AdminContext>, back: unknown): string {
  const fallback = `${c.var.base}/conversions`;
  return typeof back === 'string' && (back === fallback || back.startsWith(`${fallback}?`)) && !back.includes('//') ? back : fallback;
}

conversionsPages.post('/retry', async (c) => {
  const form = await c.req.parseBody();
  const destination = typeof form.destination === 'string' ? form.destination : '';
  const conversion = typeof form.conversion === 'string' ? form.conversion : '';
  const out = await retryConversion(c.env, destination, conversion, c.var.now);
  if (!out.ok) throw new ApiError(out.status === 404 ? 404 : 400, out.code, out.code === 'not_retryable' ? 'Only failed or dead-lettered conversions can be retried; this one is not (any more).' : out.message);
  await audit(c, 'conversion.retried', `conversion ${conversion}`, `destination ${destination}`);
  const back = safeBack(c, form.back);
  return c.redirect(`${back}${back.includes('?') ? '&' : '?'}done=retried`, 303);
});
