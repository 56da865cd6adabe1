import type { DefinitionIssue } from '../../audiences/definition-issues';
import type { DestinationView } from '../../objects/destination-types';
import { MODES } from '../../../shared/schemas/destinations';
import { issuesAt } from '../audience-form-data';
import { MODE_HELP, type PlatformForm, type SettingField } from '../destination-fields';
import type { DestinationFormValues } from '../destination-form-data';
import { CsrfField } from './csrf-field';
import { describedBy, FieldIssues } from './field-issues';
import { Notice } from './notice';

function Field(props: {
  id: string;
  name: string;
  label: string;
  hint: string;
  value: string;
  issues: DefinitionIssue[];
  required?: boolean;
  secret?: boolean;
  saved?: string;
  type?: 'text' | 'url';
}) {
  return (
    <>
      <label for={props.id}>
        {props.label}
        {!props.required && <span class="muted"> (optional)</span>}
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
          {props.saved && ` Saved (${props.saved}): leave empty to keep it.`}
        </span>
      </label>
      <input
        id={props.id}
        name={props.name}
        type={props.secret ? 'password' : (props.type ?? 'text')}
        value={props.secret ? '' : props.value}
        autocomplete={props.secret ? 'new-password' : 'off'}
        required={props.required}
        spellcheck={false}
        aria-invalid={props.issues.length ? 'true' : undefined}
        aria-describedby={describedBy(`${props.id}-issues`, props.issues, `${props.id}-hint`)}
      />
      <FieldIssues id={`${props.id}-issues`} issues={props.issues} />
    </>
  );
}

function settingIssues(issues: DefinitionIssue[] | undefined, f: SettingField) {
  return issuesAt(issues, `settings.${f.name}`);
}

/** The form of one platform: each setting with what it is and where to find it; secrets typed, never shown. */
export function DestinationForm(props: {
  platform: PlatformForm;
  action: string;
  csrf: string;
  values: DestinationFormValues;
  issues?: DefinitionIssue[];
  message?: string;
  existing?: DestinationView;
  customEndpoints: boolean;
  submit: string;
}) {
  const { platform, values: v, existing } = props;
  const known = new Set([
    'name',
    'mode',
    'endpoint',
    'tokenEndpoint',
    'settings.defaultConsent',
    ...platform.fields.map((f) => `settings.${f.name}`),
  ]);
  const other = (props.issues ?? []).filter((i) => ![...known].some((k) => i.path === k || i.path.startsWith(`${k}.`)));
  const consent = v.settings.defaultConsent || 'unknown';
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      {(props.message || (props.issues && props.issues.length > 0)) && (
        <Notice kind="error">
          {props.message ?? 'The destination was not saved.'}{' '}
          {existing ? '' : 'Secrets are never sent back to the browser: type them again.'}
          {other.length > 0 && (
            <ul>
              {other.map((i) => (
                <li>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          )}
        </Notice>
      )}
      <p class="muted">{platform.intro}</p>
      <Field
        id="dst-name"
        name="name"
        label="Name"
        hint="How this destination is called in the admin, e.g. “Meta – main pixel”."
        value={v.name}
        issues={issuesAt(props.issues, 'name')}
        required
      />
      <fieldset class="builder-group">
        <legend>Mode</legend>
        {MODES.map((m) => (
          <div class="check">
            <input
              type="radio"
              id={`dst-mode-${m}`}
              name="mode"
              value={m}
              checked={(v.mode || 'dry_run') === m}
              aria-describedby={`dst-mode-${m}-hint`}
            />
            <label for={`dst-mode-${m}`}>{m}</label>
            <span class="hint" id={`dst-mode-${m}-hint`}>
              {MODE_HELP[m]}
            </span>
          </div>
        ))}
        <FieldIssues id="dst-mode-issues" issues={issuesAt(props.issues, 'mode')} />
      </fieldset>
      <h3>Credentials and IDs</h3>
      {platform.fields.map((f) => {
        const saved =
          existing && f.secret && typeof existing.settings[f.name] === 'string'
            ? (existing.settings[f.name] as string)
            : undefined;
        return (
          <Field
            id={`dst-${f.name}`}
            name={`settings.${f.name}`}
            label={f.label}
            hint={f.help}
            value={v.settings[f.name] ?? ''}
            issues={settingIssues(props.issues, f)}
            required={!f.optional && !saved}
            secret={f.secret}
            saved={saved}
          />
        );
      })}
      <label for="dst-defaultConsent">
        When a person's ad consent is unknown
        <span class="hint" id="dst-defaultConsent-hint">
          Denied consent is always respected and granted consent always sent as granted; this decides for people who
          never gave a signal. “Send as unknown” sends their conversions without a consent value (Google: unspecified),
          the platform then applies its own rules for your region. “Treat as granted” tells Google the person agreed
          (choose it only where your legal basis covers it, e.g. outside the EEA, UK and Switzerland). “Treat as denied”
          sends nothing for them. See docs/identity.md.
        </span>
      </label>
      <select id="dst-defaultConsent" name="settings.defaultConsent" aria-describedby="dst-defaultConsent-hint">
        <option value="unknown" selected={consent === 'unknown'}>
          send as unknown (default)
        </option>
        <option value="granted" selected={consent === 'granted'}>
          treat as granted (my region's default)
        </option>
        <option value="denied" selected={consent === 'denied'}>
          treat as denied (send nothing)
        </option>
      </select>
      {props.customEndpoints && (
        <details
          open={Boolean(v.endpoint || v.tokenEndpoint || issuesAt(props.issues, 'endpoint', 'tokenEndpoint').length)}
        >
          <summary>Custom endpoints (proxies, tests)</summary>
          <Field
            id="dst-endpoint"
            name="endpoint"
            label="Endpoint"
            hint="Replaces the platform's base URL; the platform's own path follows it. Changing it requires the secrets again."
            value={v.endpoint}
            issues={issuesAt(props.issues, 'endpoint')}
            type="url"
          />
          <Field
            id="dst-tokenEndpoint"
            name="tokenEndpoint"
            label="Token endpoint"
            hint="Replaces the OAuth token URL."
            value={v.tokenEndpoint}
            issues={issuesAt(props.issues, 'tokenEndpoint')}
            type="url"
          />
        </details>
      )}
      <div class="actions">
        <button type="submit">{props.submit}</button>
      </div>
    </form>
  );
}
