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
  /** retractOn.criteria as typed (JSON), and retractOn.timestamp. */
  retractCriteria: string;
  retractTimestamp: string;
}

export const EMPTY_CONVERSION: ConversionFormValues = {
  destinationId: '',
  eventName: '',
  conversionAction: '',
  actionSource: '',
  value: '',
  valueField: '',
  currency: '',
  identityMapping: '',
  sendExisting: true,
  retractCriteria: '',
  retractTimestamp: '',
};

/** The turn-on form as typed, and the conversion body it describes (blank fields left out). */
export function readConversionForm(form: Record<string, unknown>): {
  values: ConversionFormValues;
  body?: Record<string, unknown>;
  issues?: DefinitionIssue[];
} {
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
    retractCriteria: text('retractCriteria'),
    retractTimestamp: text('retractTimestamp'),
  };
  const body: Record<string, unknown> = { destinationId: values.destinationId, sendExisting: values.sendExisting };
  for (const k of ['eventName', 'conversionAction', 'actionSource', 'valueField', 'currency'] as const)
    if (values[k]) body[k] = values[k];
  if (values.value) {
    const n = Number(values.value);
    if (!Number.isFinite(n))
      return { values, issues: [{ path: 'value', message: 'must be a number, e.g. 1500 or 99.90' }] };
    body.value = n;
  }
  if (values.identityMapping) {
    const mapping: Record<string, string[]> = {};
    for (const line of values.identityMapping
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      const m = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(line);
      if (!m || !(IDENTIFIERS as readonly string[]).includes(m[1]!))
        return {
          values,
          issues: [
            {
              path: 'identityMapping',
              message: `"${line.slice(0, 60)}" is not "identifier: path, path" with an identifier among ${IDENTIFIERS.join(', ')}`,
            },
          ],
        };
      mapping[m[1]!] =
        m[2]!.trim().toLowerCase() === 'none'
          ? []
          : m[2]!
              .split(',')
              .map((p) => p.trim())
              .filter(Boolean);
    }
    body.identityMapping = mapping;
  }
  if (values.retractCriteria) {
    let criteria: unknown;
    try {
      criteria = JSON.parse(values.retractCriteria);
    } catch {
      return {
        values,
        issues: [
          {
            path: 'retractOn.criteria',
            message: 'must be criteria in JSON, e.g. {"field": "crm.deal.stage", "op": "eq", "value": "closed_lost"}',
          },
        ],
      };
    }
    body.retractOn = { criteria, ...(values.retractTimestamp ? { timestamp: values.retractTimestamp } : {}) };
  } else if (values.retractTimestamp)
    return {
      values,
      issues: [{ path: 'retractOn.criteria', message: 'say which exits retract: the criteria a reversal meets' }],
    };
  return { values, body };
}
