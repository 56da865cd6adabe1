import { CsrfField } from './csrf-field';
import { Notice } from './notice';

/** The origins the snippet's publishable key accepts: the environment's (read-only) and the admin's. */
export function OriginsEditor(props: {
  base: string;
  csrf: string;
  fromEnv: string[];
  saved: string[];
  done: boolean;
  error?: { text: string; error: string };
}) {
  return (
    <section aria-labelledby="origins">
      <h2 id="origins">Allowed origins</h2>
      <p>
        The sites whose pages may send events with this publishable key. A page from any other origin is refused.
        Changes apply within a few seconds.
      </p>
      {props.fromEnv.length > 0 && (
        <p>
          From the environment (<code>ALLOWED_ORIGINS</code>, change it there):{' '}
          {props.fromEnv.map((o, i) => (
            <>
              {i > 0 && ', '}
              <code>{o}</code>
            </>
          ))}
        </p>
      )}
      {props.done && <Notice kind="ok">Allowed origins saved.</Notice>}
      <form method="post" action={`${props.base}/install/origins`}>
        <CsrfField token={props.csrf} />
        <label for="origins-text">
          Added here
          <span class="hint" id="origins-hint">
            One per line: https://www.example.com, https://*.example.com (any subdomain), http://localhost:* (any port).
            Leave empty to allow only the environment's.
          </span>
        </label>
        <textarea
          id="origins-text"
          name="origins"
          rows={4}
          spellcheck={false}
          aria-describedby={props.error ? 'origins-hint origins-error' : 'origins-hint'}
          aria-invalid={props.error ? 'true' : undefined}
        >
          {props.error ? props.error.text : props.saved.join('\n')}
        </textarea>
        {props.error && (
          <div id="origins-error">
            <Notice kind="error">{props.error.error}</Notice>
          </div>
        )}
        <div class="actions">
          <button type="submit">Save allowed origins</button>
        </div>
      </form>
    </section>
  );
}
