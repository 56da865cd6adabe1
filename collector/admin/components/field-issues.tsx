import type { DefinitionIssue } from '../../audiences/definition-issues';

/** The problems with one field, right under it, tied to it with aria-describedby. */
export function FieldIssues(props: { id: string; issues: DefinitionIssue[] }) {
  if (props.issues.length === 0) return null;
  return (
    <ul id={props.id} class="field-issues">
      {props.issues.map((i) => (
        <li>
          <code>{i.path}</code>: {i.message}
        </li>
      ))}
    </ul>
  );
}

export function describedBy(id: string, issues: DefinitionIssue[], hint?: string): string | undefined {
  const ids = [hint, issues.length ? id : undefined].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}
