// A destination's page below its title: its settings (secrets masked by the API), its conversion
// counts, the edit, pause and delete actions, and the test-event form with the platform's answer.
// Apart from routes/admin/destinations.tsx (the pages' handlers) because it is markup alone: it
// reads only its props, so the route decides what to fetch and which notice to show.
import type { DestinationView } from '../../objects/destination-types';
import type { PlatformForm } from '../destination-fields';
import { prettyJson } from '../format';
import { CsrfField } from './csrf-field';
import { Notice } from './notice';
import { PauseToggle } from './pause-toggle';

export type TestResult =
  | {
      ok: true;
      value: { outcome: { status: string; [k: string]: unknown }; request: unknown; response: unknown; sent: boolean };
    }
  | { ok: false; message: string };

/** Row counts by status, e.g. "3 sent, 1 queued". */
export function StatusCounts(props: { counts: Record<string, number> }) {
  const entries = Object.entries(props.counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return <span class="muted">no conversions yet</span>;
  return <>{entries.map(([s, n], i) => `${i ? ', ' : ''}${n} ${s}`).join('')}</>;
}

export function DestinationDetail(props: {
  path: string;
  base: string;
  csrf: string;
  view: DestinationView;
  platform: PlatformForm;
  test?: { email: string; result: TestResult };
}) {
  const { path: p, view, platform, test } = props;
  const fields = new Map<string, string>([
    ...platform.fields.map((f): [string, string] => [f.name, f.label]),
    ['apiVersion', 'API version'],
    ['defaultConsent', 'When consent is unknown'],
  ]);
  return (
    <>
      <p>
        {platform.label} · mode <code>{view.mode}</code>{' '}
        {view.paused ? <span class="badge">paused</span> : <span class="badge">active</span>}
      </p>
      <dl class="attrs">
        <dt>ID</dt>
        <dd>
          <code>{view.id}</code>
        </dd>
        {Object.entries(view.settings).map(([k, v]) => (
          <>
            <dt>{fields.get(k) ?? k}</dt>
            <dd>
              <code>{String(v)}</code>
            </dd>
          </>
        ))}
        {view.endpoint && (
          <>
            <dt>Endpoint</dt>
            <dd>
              <code>{view.endpoint}</code>
            </dd>
          </>
        )}
        {view.tokenEndpoint && (
          <>
            <dt>Token endpoint</dt>
            <dd>
              <code>{view.tokenEndpoint}</code>
            </dd>
          </>
        )}
        <dt>Conversions</dt>
        <dd>
          <StatusCounts counts={view.counts} /> ·{' '}
          <a href={`${props.base}/conversions?destination=${encodeURIComponent(view.id)}`}>Open the log</a>
        </dd>
      </dl>
      <div class="actions">
        <a class="button secondary" href={`${p}/edit`}>
          Edit
        </a>
        <PauseToggle action={`${p}/pause`} csrf={props.csrf} paused={view.paused} />
        <a href={`${p}/delete`}>Delete…</a>
      </div>
      <h2 id="test">Send a test event</h2>
      <p>
        One event in the platform's test mode, whatever this destination's mode: Meta test events (with the test event
        code), Google validateOnly, Reddit Event Testing (test id), TikTok test events (test event code), ChatGPT Ads
        validate_only; LinkedIn and Microsoft check the credentials and payload without recording a conversion. It never
        enters the outbox.
      </p>
      <form method="post" action={`${p}/test#test`}>
        <CsrfField token={props.csrf} />
        <label for="test-email">
          Email
          <span class="hint" id="test-email-hint">
            Hashed before it is sent. Leave empty for test@example.com.
          </span>
        </label>
        <input
          id="test-email"
          name="email"
          type="email"
          value={test?.email ?? ''}
          autocomplete="off"
          aria-describedby="test-email-hint"
        />
        <div class="actions">
          <button type="submit">Send test event</button>
        </div>
      </form>
      {test && <TestOutcome result={test.result} />}
    </>
  );
}

function TestOutcome(props: { result: TestResult }) {
  const r = props.result;
  if (!r.ok) return <Notice kind="error">The test event was not sent: {r.message}</Notice>;
  const good =
    r.value.outcome.status === 'sent' ||
    r.value.outcome.status === 'pending_confirmation' ||
    r.value.outcome.status === 'unmatched';
  return (
    <section aria-labelledby="test-result" id="test-result-section">
      <h3 id="test-result">The platform's answer</h3>
      <Notice kind={good ? 'ok' : 'error'}>
        Outcome: <strong id="test-outcome">{r.value.outcome.status}</strong>
        {r.value.sent ? ' (sent to the platform)' : ' (not sent)'}
      </Notice>
      <h4>Outcome</h4>
      <pre>{prettyJson(r.value.outcome)}</pre>
      <h4>Response</h4>
      <pre id="test-response">{prettyJson(r.value.response)}</pre>
      <h4>Request (credentials redacted)</h4>
      <pre>{prettyJson(r.value.request)}</pre>
    </section>
  );
}
