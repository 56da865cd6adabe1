import type { StoredAudience } from '../audiences/types';
import type { DefinitionIssue } from '../audiences/definition-issues';

/** What the audience form shows: the fields as typed, so a refused form comes back as it was. */
export interface AudienceFormValues {
  name: string;
  criteria: string;
  timestampField: string;
  withinDays: string;
  reentry: string;
  allowTraits: boolean;
}

export const EMPTY_AUDIENCE: AudienceFormValues = {
  name: '',
  criteria: JSON.stringify({ all: [{ field: '', op: 'eq', value: '' }] }, null, 2),
  timestampField: '',
  withinDays: '30',
  reentry: 'once',
  allowTraits: false,
};

export function formValuesOf(a: StoredAudience): AudienceFormValues {
  return {
    name: a.name,
    criteria: JSON.stringify(a.criteria, null, 2),
    timestampField: a.timestamp.field,
    withinDays: String(a.timestamp.withinDays),
    reentry: a.reentry,
    allowTraits: a.allowTraits,
  };
}

/** The form's fields as typed, and the audience definition they describe (or the JSON issue). */
export function readAudienceForm(form: Record<string, unknown>): {
  values: AudienceFormValues;
  body?: unknown;
  issues?: DefinitionIssue[];
} {
  const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  const values: AudienceFormValues = {
    name: text('name'),
    criteria: text('criteria'),
    timestampField: text('timestampField').trim(),
    withinDays: text('withinDays').trim(),
    reentry: text('reentry') || 'once',
    allowTraits: form.allowTraits === 'on',
  };
  let criteria: unknown;
  try {
    criteria = JSON.parse(values.criteria);
  } catch (e) {
    return {
      values,
      issues: [{ path: 'criteria', message: `is not valid JSON (${e instanceof Error ? e.message : 'parse error'})` }],
    };
  }
  const withinDays = values.withinDays === '' ? undefined : Number(values.withinDays);
  const body = {
    name: values.name,
    criteria,
    timestamp: { field: values.timestampField, withinDays },
    reentry: values.reentry,
    allowTraits: values.allowTraits,
  };
  return { values, body };
}

/** Issues whose path starts with `prefix` (what to show beside one field). */
export function issuesAt(issues: DefinitionIssue[] | undefined, ...prefixes: string[]): DefinitionIssue[] {
  return (issues ?? []).filter((i) =>
    prefixes.some((p) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`)),
  );
}
