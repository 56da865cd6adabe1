import type { Child } from 'hono/jsx';

/** An inline message; errors are announced to screen readers as they appear. */
export function Notice(props: { kind: 'error' | 'ok' | 'info'; children: Child }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** A form's refusal: the message and, when the API named them, its issues as a list. */
export function ErrorNotice(props: { error?: string; issues?: string[] }) {
  if (!props.error) return null;
  return (
    <Notice kind="error">
      {props.error}
      {props.issues?.length ? (
        <ul>
          {props.issues.map((i) => (
            <li>{i}</li>
          ))}
        </ul>
      ) : null}
    </Notice>
  );
}
