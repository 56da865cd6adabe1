import type { SecretSource } from '../segment-secret';
import { CsrfField } from './csrf-field';
import { Notice } from './notice';

/** Where Segment sends to, and the webhook's shared secret (never shown after it is made). */
export function SegmentSettings(props: {
  base: string;
  collector: string;
  csrf: string;
  source: SecretSource;
  newSecret?: string;
}) {
  return (
    <section aria-labelledby="segment">
      <h2 id="segment">Segment</h2>
      <p>
        Send the identify calls your site already makes through Segment to this collector (details in docs/install.md).
      </p>
      <dl class="attrs">
        <dt>Webhooks destination URL</dt>
        <dd>
          <code>{`${props.collector}/segment/webhook`}</code>
          <span class="hint">
            Segment → Connections → Destinations → Add Destination → Webhooks, connected to the source that sends your
            identify calls.
          </span>
        </dd>
        <dt>HTTP Tracking API endpoint</dt>
        <dd>
          <code>{`${props.collector}/segment/v1`}</code>
          <span class="hint">
            For analytics-node and other server libraries: the host is {`${props.collector}/segment`}, the write key a
            secret key with the ingest scope (API keys page).
          </span>
        </dd>
        <dt>Webhook shared secret</dt>
        <dd>
          {props.source === 'environment' &&
            'set in the environment (SEGMENT_WEBHOOK_SECRET); change it with wrangler secret put.'}
          {props.source === 'admin' && 'set here. It is not shown again; generate a new one if it was lost.'}
          {props.source === 'none' && 'not set: the webhook refuses every call until there is one.'}
        </dd>
      </dl>
      {props.newSecret && (
        <>
          <Notice kind="ok">
            New shared secret: copy it into the Webhooks destination's Shared Secret now. It is not shown again.
          </Notice>
          <label for="segment-secret">Shared secret</label>
          <input
            id="segment-secret"
            type="text"
            readonly
            value={props.newSecret}
            spellcheck={false}
            autocomplete="off"
          />
          <div class="actions">
            <button type="button" class="secondary" data-copy="segment-secret">
              Copy secret
            </button>
          </div>
        </>
      )}
      {props.source !== 'environment' && (
        <div class="actions">
          <form method="post" action={`${props.base}/install/segment-secret`}>
            <CsrfField token={props.csrf} />
            <button type="submit" class="secondary">
              {props.source === 'admin' ? 'Replace the shared secret' : 'Generate a shared secret'}
            </button>
          </form>
          {props.source === 'admin' && (
            <form method="post" action={`${props.base}/install/segment-secret/clear`}>
              <CsrfField token={props.csrf} />
              <button type="submit" class="secondary">
                Remove it
              </button>
            </form>
          )}
        </div>
      )}
    </section>
  );
}
