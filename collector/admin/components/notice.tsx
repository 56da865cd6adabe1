import type { Child } from 'hono/jsx';

/** An inline message; errors are announced to screen readers as they appear. */
export function Notice(props: { kind: 'error' | 'ok' | 'info'; children: Child }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
