import type { DefinitionIssue } from '../audiences/definition-issues';
import { IDENTIFIERS } from '../../shared/schemas/identity-mapping';

export interface ConversionFormValues {
  destinationId: string;
  eventName: string;
  conversionAction: string;
  actionSource: string;
  value: string;
  valueField: string;
  currency: string;
  /** Lines `identifier: path, path` overriding the deployment's identity mapping for this conversion. */
  identityMapping: string;
  sendExisting: boolean;
}

export const EMPTY_CONVERSION: ConversionFormValues = { destinationId: '', eventName: '', conversionAction: '', actionSource: '', value: '', valueField: '', currency: '', identityMapping: '', sendExisting: true };

/** The turn-on form as typed, and the conversion body it describes (blank fields left out). */
export function readConversionForm(form: Record<string, unknown>): { values: ConversionFormValues; body?: Record<string, unknown>; issues?: DefinitionIssue[] } {
  const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
  const values: ConversionFormValues = {
    destinationId: text('destinationId'),
    eventName: text('eventName'),
    conversionAction: text('conversionAction'),
    actionSource: text('actionSource'),
    value: text('value'),
    valueField: text('valueField'),
    currency: text('currency').toUpperCase(),
    identityMapping: text('identityMapping'),
    sendExisting: form.sendExisting === 'on',
  };
  const body: Record<string, unknown> = { destinationId: values.destinationId, sendExisting: values.sendExisting };
  for (const k of ['eventName', 'conversionAction', 'actionSource', 'valueField', 'currency'] as const) if (values[k]) body[k] = values[k];
  if (values.value) {
    const n = Number(values.value);
    if (!Number.isFinite(n)) return { values, issues: [{ path: 'value', message: 'must be a number, e.g. 1500 or 99.90' }] };
    body.value = n;
  }
  if (values.identityMapping) {
    const mapping: Record<string, string[]> = {};
    for (const line of values.identityMapping.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const m = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(line);
      if (!m || !(IDENTIFIERS as readonly string[]).includes(m[1]!)) return { values, issues: [{ path: 'identityMapping', message: `"${line.slice(0, 60)}" is not "identifier: path, path" with an identifier among ${IDENTIFIERS.join(', ')}` }] };
      mapping[m[1]!] = m[2]!.trim().toLowerCase() === 'none' ? [] : m[2]!.split(',').map((p) => p.trim()).filter(Boolean);
    }
    body.identityMapping = mapping;
  }
  return { values, body };
}
