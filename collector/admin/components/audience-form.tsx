import type { DefinitionIssue } from '../../audiences/definition-issues';
import { issuesAt, type AudienceFormValues } from '../audience-form-data';
import { CsrfField } from './csrf-field';
import { describedBy, FieldIssues } from './field-issues';
import { Notice } from './notice';
import { FieldSuggestions, SyncedFields } from './audience-fields';
import type { FieldCatalogue } from '../../services/audience-fields';

/**
 * Create / edit an audience. The criteria builder (client script) edits the criteria JSON below it;
 * without the script the JSON view is the editor.
 */
export function AudienceForm(props: {
  action: string;
  csrf: string;
  values: AudienceFormValues;
  issues?: DefinitionIssue[];
  submit: string;
  /** The connected sources' synced fields (null: none, or they could not be read). */
  catalogue?: FieldCatalogue | null;
}) {
  const v = props.values;
  const issues = props.issues;
  const name = issuesAt(issues, 'name');
  const criteria = issuesAt(issues, 'criteria');
  const tsField = issuesAt(issues, 'timestamp.field', 'timestamp');
  const within = issuesAt(issues, 'timestamp.withinDays');
  const traits = issuesAt(issues, 'allowTraits');
  const shown = new Set([...name, ...criteria, ...tsField, ...within, ...traits]);
  const other = (issues ?? []).filter((i) => !shown.has(i));
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      <FieldSuggestions catalogue={props.catalogue ?? null} />
      {issues && issues.length > 0 && (
        <Notice kind="error">
          The audience was not saved: {issues.length === 1 ? 'one field needs' : `${issues.length} fields need`}{' '}
          attention.
          {other.length > 0 && <FieldIssues id="other-issues" issues={other} />}
        </Notice>
      )}
      <label for="name">Name</label>
      <input
        id="name"
        name="name"
        type="text"
        required
        maxlength={200}
        value={v.name}
        aria-invalid={name.length ? 'true' : undefined}
        aria-describedby={describedBy('name-issues', name)}
      />
      <FieldIssues id="name-issues" issues={name} />

      <h2>Who is in it</h2>
      <div class="builder" data-builder="criteria" data-fields="field-suggestions" hidden></div>
      <SyncedFields catalogue={props.catalogue ?? null} />
      <details open>
        <summary>Criteria as JSON</summary>
        <label for="criteria">
          Criteria
          <span class="hint" id="criteria-hint">
            {'{"all": [...]}'} or {'{"any": [...]}'} of conditions {'{"field", "op", "value"}'}; fields are dotted paths
            such as crm.lead.status.
          </span>
        </label>
        <textarea
          id="criteria"
          name="criteria"
          class="code"
          rows={10}
          spellcheck={false}
          aria-invalid={criteria.length ? 'true' : undefined}
          aria-describedby={describedBy('criteria-issues', criteria, 'criteria-hint')}
        >
          {v.criteria}
        </textarea>
      </details>
      <FieldIssues id="criteria-issues" issues={criteria} />

      <h2>When they count</h2>
      <label for="timestampField">
        Timestamp field
        <span class="hint" id="timestampField-hint">
          The attribute holding when the event happened (e.g. crm.lead.became_sql_at, or a synced date field such as
          hubspot.hs_lifecyclestage_salesqualifiedlead_date). It is the event time sent to ad platforms.
        </span>
      </label>
      <input
        id="timestampField"
        name="timestampField"
        type="text"
        required
        value={v.timestampField}
        autocomplete="off"
        list="timestamp-suggestions"
        spellcheck={false}
        aria-invalid={tsField.length ? 'true' : undefined}
        aria-describedby={describedBy('timestampField-issues', tsField, 'timestampField-hint')}
      />
      <FieldIssues id="timestampField-issues" issues={tsField} />
      <label for="withinDays">
        Window in days
        <span class="hint" id="withinDays-hint">
          A person is a member while the timestamp is at most this many days old (1 to 90).
        </span>
      </label>
      <input
        id="withinDays"
        name="withinDays"
        type="number"
        min={1}
        max={90}
        required
        value={v.withinDays}
        aria-invalid={within.length ? 'true' : undefined}
        aria-describedby={describedBy('withinDays-issues', within, 'withinDays-hint')}
      />
      <FieldIssues id="withinDays-issues" issues={within} />
      <label for="reentry">Re-entry</label>
      <select id="reentry" name="reentry">
        <option value="once" selected={v.reentry === 'once'}>
          Once: only the first entry ever counts
        </option>
        <option value="per_timestamp" selected={v.reentry === 'per_timestamp'}>
          Per timestamp: each new timestamp is a new entry
        </option>
      </select>
      <div class="check">
        <input
          id="allowTraits"
          name="allowTraits"
          type="checkbox"
          checked={v.allowTraits}
          aria-describedby={describedBy('allowTraits-issues', traits, 'allowTraits-hint')}
        />
        <label for="allowTraits">Allow browser-sent traits</label>
        <span class="hint" id="allowTraits-hint">
          traits.* come from visitors' browsers and anyone can forge them; leave this off unless the identifies are
          signed or the stakes are low.
        </span>
      </div>
      <FieldIssues id="allowTraits-issues" issues={traits} />
      <div class="actions">
        <button type="submit">{props.submit}</button>
      </div>
    </form>
  );
}
