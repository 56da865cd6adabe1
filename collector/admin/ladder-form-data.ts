// The admin's two ladder forms (from a template, from existing audiences): what was typed, and the
// POST /api/ladders body it makes. Validation is the API's (shared/schemas/ladder.ts).
import { TEMPLATE_STAGES } from '../../shared/schemas/ladder';

type Body = Record<string, string | File | (string | File)[]>;
const text = (body: Body, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v.trim() : '';
};

export interface TemplateFormValues {
  name: string;
  source: string;
  withinDays: string;
  destinationId: string;
  currency: string;
  valueField: string;
  /** Per stage: the event name or conversion action typed (empty: the default). */
  stageEvent: Record<string, string>;
  /** Stages that send the value. */
  valueStages: string[];
}

export const EMPTY_TEMPLATE: TemplateFormValues = {
  name: 'Funnel',
  source: 'hubspot',
  withinDays: '30',
  destinationId: '',
  currency: '',
  valueField: 'crm.deal.amount',
  stageEvent: {},
  valueStages: ['opportunity', 'won'],
};

const BY_EVENT_NAME = new Set(['meta', 'reddit', 'tiktok']);

/** The typed values and the API body; `destinationType` says whether a stage's text is an event name or a conversion action. */
export function readTemplateForm(
  body: Body,
  destinationType: (id: string) => string | undefined,
): { values: TemplateFormValues; body: Record<string, unknown> } {
  const values: TemplateFormValues = {
    name: text(body, 'name'),
    source: text(body, 'source'),
    withinDays: text(body, 'withinDays'),
    destinationId: text(body, 'destinationId'),
    currency: text(body, 'currency').toUpperCase(),
    valueField: text(body, 'valueField'),
    stageEvent: Object.fromEntries(TEMPLATE_STAGES.map((k) => [k, text(body, `stage_${k}`)])),
    valueStages: TEMPLATE_STAGES.filter((k) => text(body, `value_${k}`) === 'on'),
  };
  const days = Number(values.withinDays);
  const out: Record<string, unknown> = {
    name: values.name,
    template: {
      source: values.source,
      withinDays: values.withinDays === '' ? 30 : Number.isFinite(days) ? days : values.withinDays,
    },
  };
  if (values.destinationId) out.send = [sendBody(values, TEMPLATE_STAGES, destinationType)];
  return { values, body: out };
}

/** What the send fields of either form make: one `send` entry for the stages `keys`. */
function sendBody(
  values: SendFormValues,
  keys: readonly string[],
  destinationType: (id: string) => string | undefined,
): Record<string, unknown> {
  const byName = BY_EVENT_NAME.has(destinationType(values.destinationId) ?? '');
  const stages: Record<string, Record<string, string>> = {};
  for (const k of keys) {
    const typed = values.stageEvent[k];
    const per: Record<string, string> = {};
    if (typed) per[byName ? 'eventName' : 'conversionAction'] = typed;
    if (values.valueField && values.valueStages.includes(k)) per.valueField = values.valueField;
    if (Object.keys(per).length) stages[k] = per;
  }
  return { destinationId: values.destinationId, ...(values.currency ? { currency: values.currency } : {}), stages };
}

export type SendFormValues = Pick<
  TemplateFormValues,
  'destinationId' | 'currency' | 'valueField' | 'stageEvent' | 'valueStages'
>;

export const emptySend = (keys: string[]): SendFormValues => ({
  destinationId: '',
  currency: '',
  valueField: 'crm.deal.amount',
  stageEvent: {},
  valueStages: keys.filter((k) => k === 'opportunity' || k === 'won'),
});

/** The ladder view's "send every stage to" form: POST /api/ladders/{id}/send's body. */
export function readSendForm(
  body: Body,
  keys: string[],
  destinationType: (id: string) => string | undefined,
): { values: SendFormValues; body: Record<string, unknown> } {
  const values: SendFormValues = {
    destinationId: text(body, 'destinationId'),
    currency: text(body, 'currency').toUpperCase(),
    valueField: text(body, 'valueField'),
    stageEvent: Object.fromEntries(keys.map((k) => [k, text(body, `stage_${k}`)])),
    valueStages: keys.filter((k) => text(body, `value_${k}`) === 'on'),
  };
  return { values, body: sendBody(values, keys, destinationType) };
}

export const EXISTING_ROWS = 6;

export interface ExistingFormValues {
  name: string;
  rows: { name: string; audienceId: string }[];
}

export const EMPTY_EXISTING: ExistingFormValues = {
  name: '',
  rows: Array.from({ length: EXISTING_ROWS }, () => ({ name: '', audienceId: '' })),
};

/** Rows without an audience are left out; a row's stage name defaults to its audience's name. */
export function readExistingForm(
  body: Body,
  audienceName: (id: string) => string | undefined,
): { values: ExistingFormValues; body: Record<string, unknown> } {
  const values: ExistingFormValues = {
    name: text(body, 'name'),
    rows: Array.from({ length: EXISTING_ROWS }, (_, i) => ({
      name: text(body, `name_${i}`),
      audienceId: text(body, `audience_${i}`),
    })),
  };
  const stages = values.rows
    .filter((r) => r.audienceId)
    .map((r) => ({
      name: r.name || (audienceName(r.audienceId) ?? r.audienceId).slice(0, 100),
      audienceId: r.audienceId,
    }));
  return { values, body: { name: values.name, stages } };
}
