import type { Child } from 'hono/jsx';

/**
 * The admin's one table shape: scrolls sideways inside its own box on a narrow screen, column
 * headers scoped for screen readers, rows given as children.
 */
export function DataTable(props: { head: string[]; id?: string; caption?: string; children?: Child }) {
  return (
    <div class="table-wrap">
      <table id={props.id}>
        {props.caption ? <caption class="muted">{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
