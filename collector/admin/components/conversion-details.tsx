// One row of the conversions log as the admin shows it: the summary line (status, destination,
// audience, time, attempts, coverage) and its details (ids, times, errors, the retry form, this
// conversion's part of the request, the request and the platform's answer, clipped). Apart from
// routes/admin/conversions.tsx (the log's pages and filters) because it is markup alone, shared by
// the log and a single conversion's page.
import type { ConversionLogEntry } from '../../conversions/log';
import { prettyJson } from '../format';
import { CsrfField } from './csrf-field';
import { CoverageLine, scoreText } from './match-coverage';
import { Time } from './time';

// A batch request can carry a thousand events: the page shows this row's own payload in full and
// the request and response up to this many characters.
const MAX_SHOWN = 20_000;
const RETRYABLE = new Set(['failed', 'dead_letter']);

function clipped(value: unknown): string {
  const text = prettyJson(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
}

const personPath = (base: string, email: string) => `${base}/people/${encodeURIComponent(email)}`;

/** A conversion's details; `whole` shows the whole request body (the single conversion's page). */
export function Details(props: { r: ConversionLogEntry; base: string; csrf: string; back: string; whole?: boolean }) {
  const { r, base } = props;
  const req = r.request;
  return (
    <>
      <dl class="attrs">
        <dt>Conversion</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>Destination</dt>
        <dd>
          <a href={`${base}/destinations/${encodeURIComponent(r.destinationId)}`}>
            {r.destinationName ?? r.destinationId}
          </a>
        </dd>
        {r.audienceId && (
          <>
            <dt>Audience</dt>
            <dd>
              <a href={`${base}/audiences/${encodeURIComponent(r.audienceId)}`}>{r.audienceId}</a>
            </dd>
          </>
        )}
        {r.email && (
          <>
            <dt>Person</dt>
            <dd>
              <a href={personPath(base, r.email)}>{r.email}</a>
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time ms={r.createdAt} />
        </dd>
        <dt>Sent</dt>
        <dd>
          <Time ms={r.sentAt} />
        </dd>
        {r.dueAt !== null && (
          <>
            <dt>Next attempt</dt>
            <dd>
              <Time ms={r.dueAt} />
            </dd>
          </>
        )}
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
        <form method="post" action={`${base}/conversions/retry`}>
          <CsrfField token={props.csrf} />
          <input type="hidden" name="id" value={r.id} />
          <input type="hidden" name="back" value={props.back} />
          <div class="actions">
            <button type="submit">Retry this conversion</button>
          </div>
        </form>
      )}
      <h3>This conversion in the request</h3>
      <CoverageLine coverage={r.coverage} keys={r.matchKeys} type={r.destinationType} />
      <pre>{clipped(r.event)}</pre>
      {req ? (
        <>
          <h3>
            Request ({req.mode}, <Time ms={req.at} />, {req.rows} conversion{req.rows === 1 ? '' : 's'} in it;
            credentials redacted)
          </h3>
          <pre>
            {clipped(
              props.whole
                ? { method: req.method, url: req.url, headers: req.headers, body: req.body }
                : { method: req.method, url: req.url, headers: req.headers },
            )}
          </pre>
          {!props.whole && (
            <p>
              <a href={`${base}/conversions/${encodeURIComponent(r.id)}`}>The whole request body</a>
            </p>
          )}
          <h3>
            Response{' '}
            {req.status === null ? '(none: not sent, or no answer)' : `(HTTP ${req.status}, ${req.durationMs} ms)`}
          </h3>
          <pre>{clipped(req.response)}</pre>
        </>
      ) : (
        <p class="muted">Not sent yet: no request.</p>
      )}
    </>
  );
}

/** A conversion as a line of the log, its details folded under it. */
export function Row(props: {
  r: ConversionLogEntry;
  base: string;
  csrf: string;
  back: string;
  audienceName: string | null;
}) {
  const r = props.r;
  return (
    <li>
      <details class="card log-row">
        <summary>
          <span class={`status-${r.status === 'dead_letter' ? 'dead' : r.status}`}>
            <strong>{r.status}</strong>
          </span>{' '}
          {r.kind === 'retraction' && <span class="badge">retraction</span>}· {r.destinationName ?? r.destinationId} ·{' '}
          {props.audienceName ?? (r.audienceId ? r.audienceId : <span class="muted">no audience</span>)} ·{' '}
          <Time ms={r.createdAt} />
          {r.attempts > 0 && ` · ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`}
          {r.coverage && ` · coverage ${scoreText(r.coverage)}`}
        </summary>
        <Details r={r} base={props.base} csrf={props.csrf} back={props.back} />
      </details>
    </li>
  );
}
