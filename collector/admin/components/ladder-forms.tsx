import type { DefinitionIssue } from '../../audiences/definition-issues';
import { STAGE_NAMES } from '../../../shared/ladder-templates';
import { TEMPLATE_STAGES } from '../../../shared/schemas/ladder';
import {
  EXISTING_ROWS,
  type ExistingFormValues,
  type SendFormValues,
  type TemplateFormValues,
} from '../ladder-form-data';
import { CsrfField } from './csrf-field';
import { FieldIssues } from './field-issues';
import { Notice } from './notice';

function Problems(props: { id: string; issues?: DefinitionIssue[] }) {
  if (!props.issues?.length) return null;
  return (
    <>
      <Notice kind="error">The ladder was not created: see the problems below.</Notice>
      <FieldIssues id={props.id} issues={props.issues} />
    </>
  );
}

/** Five stages from HubSpot's lifecycle stages or generic crm.* fields, optionally each sending to one destination. */
export function TemplateForm(props: {
  action: string;
  csrf: string;
  values: TemplateFormValues;
  issues?: DefinitionIssue[];
  destinations: { id: string; label: string }[];
}) {
  const v = props.values;
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      <Problems id="lt-issues" issues={props.issues} />
      <label for="lt-name">Name</label>
      <input id="lt-name" name="name" type="text" value={v.name} required autocomplete="off" />
      <label for="lt-source">
        Stages from
        <span class="hint">
          HubSpot: <code>hubspot.lifecyclestage</code> with its{' '}
          <code>hubspot.hs_lifecyclestage_&lt;stage&gt;_date</code> dates. CRM: <code>crm.lifecycle_stage</code> (lead,
          mql, sql, opportunity, won) with <code>crm.&lt;stage&gt;_at</code> dates.
        </span>
      </label>
      <select id="lt-source" name="source">
        <option value="hubspot" selected={v.source === 'hubspot'}>
          HubSpot lifecycle stages
        </option>
        <option value="crm" selected={v.source === 'crm'}>
          Generic CRM fields
        </option>
      </select>
      <label for="lt-withinDays">
        Window (days)
        <span class="hint">Each stage counts people who reached it within this many days (1 to 90).</span>
      </label>
      <input id="lt-withinDays" name="withinDays" type="text" inputmode="numeric" value={v.withinDays} />
      <label for="lt-destinationId">
        Send each stage to (optional)
        <span class="hint">Leave empty to create the audiences only and turn conversions on later.</span>
      </label>
      <select id="lt-destinationId" name="destinationId">
        <option value="" selected={v.destinationId === ''}>
          no destination yet
        </option>
        {props.destinations.map((d) => (
          <option value={d.id} selected={v.destinationId === d.id}>
            {d.label}
          </option>
        ))}
      </select>
      <SendFields prefix="lt" stages={TEMPLATE_STAGES.map((k) => ({ key: k, name: STAGE_NAMES[k] }))} values={v} />
      <div class="actions">
        <button type="submit">Create ladder from template</button>
      </div>
    </form>
  );
}

/** Per stage its event name or conversion action and whether it sends the value; the value field and currency. */
function SendFields(props: { prefix: string; stages: { key: string; name: string }[]; values: SendFormValues }) {
  const { prefix: p, values: v } = props;
  return (
    <>
      <fieldset class="builder-group">
        <legend>Per stage: event name (Meta) or conversion action (Google, LinkedIn, Microsoft)</legend>
        <span class="hint">
          Empty: Meta gets Lead, MQL, SQL, Opportunity, Won (or the stage's name). Google, LinkedIn and Microsoft need
          one conversion action per stage.
        </span>
        {props.stages.map(({ key, name }) => (
          <>
            <label for={`${p}-stage-${key}`}>{name}</label>
            <input
              id={`${p}-stage-${key}`}
              name={`stage_${key}`}
              type="text"
              value={v.stageEvent[key] ?? ''}
              autocomplete="off"
            />
            <div class="check">
              <input
                id={`${p}-value-${key}`}
                name={`value_${key}`}
                type="checkbox"
                checked={v.valueStages.includes(key)}
              />
              <label for={`${p}-value-${key}`}>{`${name} sends the value`}</label>
            </div>
          </>
        ))}
      </fieldset>
      <label for={`${p}-valueField`}>
        Value field
        <span class="hint">
          The attribute holding the amount, e.g. crm.deal.amount: a number, or text such as 12500 or 12,500.00 (a
          decimal comma is not read).
        </span>
      </label>
      <input id={`${p}-valueField`} name="valueField" type="text" value={v.valueField} autocomplete="off" />
      <label for={`${p}-currency`}>
        Currency
        <span class="hint">ISO 4217 code, e.g. USD or EUR; needed when a stage sends a value.</span>
      </label>
      <input id={`${p}-currency`} name="currency" type="text" value={v.currency} autocomplete="off" />
    </>
  );
}

/** One more destination for every stage of a ladder. */
export function SendForm(props: {
  action: string;
  csrf: string;
  stages: { key: string; name: string }[];
  values: SendFormValues;
  issues?: DefinitionIssue[];
  destinations: { id: string; label: string }[];
}) {
  const v = props.values;
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      {props.issues?.length ? (
        <>
          <Notice kind="error">Nothing was turned on: see the problems below.</Notice>
          <FieldIssues id="ls-issues" issues={props.issues} />
        </>
      ) : null}
      <label for="ls-destinationId">Destination</label>
      <select id="ls-destinationId" name="destinationId">
        {props.destinations.map((d) => (
          <option value={d.id} selected={v.destinationId === d.id}>
            {d.label}
          </option>
        ))}
      </select>
      <SendFields prefix="ls" stages={props.stages} values={v} />
      <div class="actions">
        <button type="submit">Send every stage</button>
      </div>
    </form>
  );
}

/** A ladder over audiences that exist already, in funnel order. */
export function ExistingForm(props: {
  action: string;
  csrf: string;
  values: ExistingFormValues;
  issues?: DefinitionIssue[];
  audiences: { id: string; name: string }[];
}) {
  const v = props.values;
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      <Problems id="le-issues" issues={props.issues} />
      <label for="le-name">Name</label>
      <input id="le-name" name="name" type="text" value={v.name} required autocomplete="off" />
      <fieldset class="builder-group">
        <legend>Stages, widest first</legend>
        <span class="hint">Rows without an audience are left out; a stage's name defaults to its audience's.</span>
        {Array.from({ length: EXISTING_ROWS }, (_, i) => (
          <div class="inline-form">
            <div class="grow">
              <label for={`le-audience-${i}`}>{`Stage ${i + 1}: audience`}</label>
              <select id={`le-audience-${i}`} name={`audience_${i}`}>
                <option value="" selected={!v.rows[i]?.audienceId}>
                  none
                </option>
                {props.audiences.map((a) => (
                  <option value={a.id} selected={v.rows[i]?.audienceId === a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </div>
            <div class="grow">
              <label for={`le-name-${i}`}>{`Stage ${i + 1}: name`}</label>
              <input
                id={`le-name-${i}`}
                name={`name_${i}`}
                type="text"
                value={v.rows[i]?.name ?? ''}
                autocomplete="off"
              />
            </div>
          </div>
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit">Create ladder</button>
      </div>
    </form>
  );
}
