import type { Child } from 'hono/jsx';
import { ACTION_SOURCES } from '../../../shared/schemas/conversion';
import type { DefinitionIssue } from '../../audiences/definition-issues';
import { issuesAt } from '../audience-form-data';
import type { ConversionFormValues } from '../conversion-form-data';
import { CsrfField } from './csrf-field';
import { describedBy, FieldIssues } from './field-issues';
import { Notice } from './notice';

/**
 * One field with its label, hint and issues: a one-line input, or with `rows` a text area (`code`
 * for JSON: monospace, no spell check).
 */
function Field(props: {
  name: keyof ConversionFormValues;
  label: string;
  hint: Child;
  value: string;
  issues?: DefinitionIssue[];
  issuePath?: string;
  required?: boolean;
  inputmode?: 'decimal';
  rows?: number;
  code?: boolean;
}) {
  const id = `cv-${props.name}`;
  const issues = issuesAt(props.issues, props.issuePath ?? props.name);
  const aria = {
    'aria-invalid': issues.length ? 'true' : undefined,
    'aria-describedby': describedBy(`${id}-issues`, issues, `${id}-hint`),
  };
  return (
    <>
      <label for={id}>
        {props.label}
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      </label>
      {props.rows ? (
        <textarea
          id={id}
          name={props.name}
          class={props.code ? 'code' : undefined}
          rows={props.rows}
          spellcheck={props.code ? false : undefined}
          {...aria}
        >
          {props.value}
        </textarea>
      ) : (
        <input
          id={id}
          name={props.name}
          type="text"
          value={props.value}
          required={props.required}
          inputmode={props.inputmode}
          autocomplete="off"
          {...aria}
        />
      )}
      <FieldIssues id={`${id}-issues`} issues={issues} />
    </>
  );
}

/** Turn a conversion on for one of the configured destinations (the caller shows this only when there is one). */
export function ConversionForm(props: {
  action: string;
  csrf: string;
  values: ConversionFormValues;
  issues?: DefinitionIssue[];
  destinations: { id: string; label: string }[];
}) {
  const v = props.values;
  const destIssues = issuesAt(props.issues, 'destinationId');
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      {props.issues && props.issues.length > 0 && (
        <Notice kind="error">The conversion was not turned on: see the fields below.</Notice>
      )}
      <label for="cv-destinationId">Destination</label>
      <select
        id="cv-destinationId"
        name="destinationId"
        required
        aria-describedby={describedBy('cv-destinationId-issues', destIssues)}
      >
        {props.destinations.map((d) => (
          <option value={d.id} selected={v.destinationId === d.id}>
            {d.label}
          </option>
        ))}
      </select>
      <FieldIssues id="cv-destinationId-issues" issues={destIssues} />
      <Field
        name="eventName"
        label="Event name (optional)"
        hint="Meta, LinkedIn and Microsoft: the event name, e.g. Lead or SQL."
        value={v.eventName}
        issues={props.issues}
      />
      <Field
        name="conversionAction"
        label="Conversion action (optional)"
        hint="Google: overrides the destination's conversion action for this audience: its ID (456) or the resource name customers/123/conversionActions/456, kept as the ID. Microsoft: the goal name; LinkedIn: the rule URN."
        value={v.conversionAction}
        issues={props.issues}
      />
      <label for="cv-actionSource">
        Action source (Meta)
        <span class="hint">Defaults to system_generated: a CRM stage is not a website event.</span>
      </label>
      <select id="cv-actionSource" name="actionSource">
        <option value="" selected={v.actionSource === ''}>
          default (system_generated)
        </option>
        {ACTION_SOURCES.map((s) => (
          <option value={s} selected={v.actionSource === s}>
            {s}
          </option>
        ))}
      </select>
      <Field
        name="value"
        label="Value (optional)"
        hint="A fixed conversion value, e.g. 1500."
        value={v.value}
        issues={props.issues}
        inputmode="decimal"
      />
      <Field
        name="valueField"
        label="Value field (optional)"
        hint="An attribute holding the value, e.g. crm.opportunity.amount; wins over the fixed value."
        value={v.valueField}
        issues={props.issues}
      />
      <Field
        name="currency"
        label="Currency (optional)"
        hint="ISO 4217 code, e.g. USD or EUR."
        value={v.currency}
        issues={props.issues}
      />
      <Field
        name="identityMapping"
        label="Identity mapping for this conversion (optional)"
        hint={
          <>
            One line per identifier to read differently from the Identity page, e.g.{' '}
            <code>phone: crm.mobile, hubspot.phone</code>; <code>jobTitle: none</code> sends none.
          </>
        }
        value={v.identityMapping}
        issues={props.issues}
        rows={2}
      />
      <Field
        name="retractCriteria"
        label="Retract when they leave because (optional)"
        hint={
          <>
            Criteria in JSON, as in the audience definition, that mark an exit as a reversal, e.g.{' '}
            {'{"field": "crm.deal.stage", "op": "in", "value": ["closed_lost", "disqualified"]}'}. When a person leaves
            the audience while they hold, the conversion already sent is withdrawn: Google Ads and Microsoft retract it;
            Meta, LinkedIn and the Data Manager API have no retraction, so the reversal is recorded in the delivery log.
          </>
        }
        value={v.retractCriteria}
        issues={props.issues}
        issuePath="retractOn.criteria"
        rows={3}
        code
      />
      <Field
        name="retractTimestamp"
        label="Reversal time field (optional)"
        hint="The attribute holding when the reversal happened, e.g. crm.deal.closed_at; a reversal dated outside the audience window sends nothing. Empty: when the exit is seen."
        value={v.retractTimestamp}
        issues={props.issues}
        issuePath="retractOn.timestamp"
      />
      <div class="check">
        <input
          id="cv-sendExisting"
          name="sendExisting"
          type="checkbox"
          checked={v.sendExisting}
          aria-describedby="cv-sendExisting-hint"
        />
        <label for="cv-sendExisting">Send existing members too</label>
        <span class="hint" id="cv-sendExisting-hint">
          Members who entered before now are sent if their timestamp is still inside the window. Untick to send only
          entries from now on.
        </span>
      </div>
      <div class="actions">
        <button type="submit">Turn conversion on</button>
      </div>
    </form>
  );
}
