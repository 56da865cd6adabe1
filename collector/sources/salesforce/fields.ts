// What Salesforce says about fields: describe (types for checking values, the admin's field
// picker, whether the org is multi-currency) and which configured field an INVALID_FIELD names.
import type { Session } from './session';
import type { SalesforceObject } from './settings';

export interface DescribedField {
  name: string;
  label: string;
  type: string;
  relationshipName?: string | null;
  picklistValues?: { value: string; label?: string | null; active?: boolean }[];
}

export async function describe(session: Session, sobject: string): Promise<DescribedField[]> {
  const body = await session.json<{ fields?: DescribedField[] }>(`/sobjects/${encodeURIComponent(sobject)}/describe`);
  return (body.fields ?? []).map((f) => ({
    name: f.name,
    label: f.label,
    type: f.type,
    relationshipName: f.relationshipName ?? null,
    picklistValues: Array.isArray(f.picklistValues) ? f.picklistValues : [],
  }));
}

/** Type by top-level field name, with parent relationship names marked 'reference'. */
export function typeMap(fields: DescribedField[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) out[f.name] = f.type;
  return out;
}

export function relationships(fields: DescribedField[]): Set<string> {
  return new Set(fields.flatMap((f) => (f.relationshipName ? [f.relationshipName] : [])));
}

/**
 * The configured field an INVALID_FIELD error is about. Salesforce names the column and its entity
 * (`No such column 'Nme' on entity 'Account'`) or a relationship (`Didn't understand relationship 'Acount'`).
 */
export function invalidFieldOf(message: string, fields: string[], object: SalesforceObject): string | undefined {
  const rel = /Didn't understand relationship '([^']+)'/.exec(message);
  if (rel) return fields.find((f) => f.startsWith(`${rel[1]}.`)) ?? fields.find((f) => f === rel[1]);
  const col = /No such column '([^']+)' on entity '([^']+)'/.exec(message);
  if (!col) return undefined;
  const [, name, entity] = col;
  const candidates = fields.filter((f) => f.split('.').at(-1) === name);
  return (
    candidates.find((f) => (f.includes('.') ? f.split('.').at(-2) === entity : entity === object)) ?? candidates[0]
  );
}
