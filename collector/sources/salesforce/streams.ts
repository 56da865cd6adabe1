// The change streams a Salesforce source reads, each ordered by (SystemModstamp, Id):
// Lead and Contact (the person is the record's Email), Opportunity (its contact roles' people,
// through the OpportunityContactRoles subquery) and OpportunityContactRole (a role added to or
// changed on an opportunity, which leaves the opportunity's own SystemModstamp untouched).
import type { SourceRecord } from '../connector';
import { fieldsOf, type SalesforceObject, type SalesforceSettings } from './settings';
import { convert, fromCsv, isoFromSalesforce, soqlDateTime, soqlString, type Converted } from './values';

export type StreamName = 'Lead' | 'Contact' | 'Opportunity' | 'OpportunityContactRole';

/** Where a stream stands: after (t, id) in (SystemModstamp, Id) order; id '' means "from t on". */
export interface Mark {
  t: string | null;
  id: string;
}

/** Field types by field path as described (`Amount` → currency), per settings object. */
export type Types = Partial<Record<SalesforceObject, Record<string, string>>>;

export interface Stream {
  name: StreamName;
  /** The settings object whose fields (and attribute prefix) it carries. */
  object: SalesforceObject;
  sobject: string;
  /** Selected paths (besides Id and SystemModstamp) for these fields. */
  select(fields: string[], bulk: boolean): string[];
  /** Filters besides the mark. */
  where: string[];
  /** A subquery appended to the SELECT list (REST only; Bulk API refuses subqueries). */
  subquery?: string;
  toRecords(row: Row, fields: string[], types: Record<string, string>, issues: Map<string, string>): SourceRecord[];
}

type Row = Record<string, unknown>;

export function streamsFor(s: SalesforceSettings): Stream[] {
  const out: Stream[] = [];
  for (const object of s.objects) {
    if (object === 'Opportunity') out.push(opportunityRoles, opportunity);
    else out.push(person(object));
  }
  return out;
}

/** `Account.Name` of a REST row (nested objects) or a CSV row (flat dotted keys). */
function pick(row: Row, path: string): unknown {
  if (path in row) return row[path];
  let v: unknown = row;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Row)[part];
  }
  return v;
}

function attributes(
  row: Row,
  object: SalesforceObject,
  fields: string[],
  prefix: string,
  types: Record<string, string>,
  issues: Map<string, string>,
  { csv }: { csv: boolean },
): Row {
  const out: Row = {};
  for (const f of fields) {
    if (f === 'Email' && object !== 'Opportunity') continue;
    const raw = pick(row, prefix + f);
    const c: Converted = csv ? fromCsv(String(raw ?? ''), types[f]) : convert(raw, types[f]);
    if ('issue' in c) issues.set(`${object}.${f}`, c.issue);
    else out[`${object}.${f}`] = c.value;
  }
  return out;
}

const email = (v: unknown): string | null => (typeof v === 'string' && v.includes('@') ? v : null);
const stamp = (v: unknown): string => (typeof v === 'string' ? (isoFromSalesforce(v) ?? v) : '');
const isCsv = (row: Row) => !('attributes' in row);

function person(object: 'Lead' | 'Contact'): Stream {
  return {
    name: object,
    object,
    sobject: object,
    select: (fields) => fields,
    where: ['Email != null'],
    toRecords(row, fields, types, issues) {
      const to = email(pick(row, 'Email'));
      if (!to) return [];
      return [
        {
          id: String(row.Id),
          email: to,
          modifiedAt: stamp(row.SystemModstamp),
          attributes: attributes(row, object, fields, '', types, issues, { csv: isCsv(row) }),
        },
      ];
    },
  };
}

const opportunity: Stream = {
  name: 'Opportunity',
  object: 'Opportunity',
  sobject: 'Opportunity',
  select: (fields) => fields,
  where: [],
  subquery: '(SELECT Id, Contact.Email FROM OpportunityContactRoles)',
  toRecords(row, fields, types, issues) {
    const roles = ((row.OpportunityContactRoles as { records?: Row[] } | null)?.records ?? []) as Row[];
    const attrs = attributes(row, 'Opportunity', fields, '', types, issues, { csv: false });
    const out: SourceRecord[] = [];
    for (const role of roles) {
      const to = email(pick(role, 'Contact.Email'));
      if (to)
        out.push({
          id: `${row.Id}/${role.Id}`,
          email: to,
          modifiedAt: stamp(row.SystemModstamp),
          attributes: { ...attrs },
        });
    }
    return out;
  },
};

const opportunityRoles: Stream = {
  name: 'OpportunityContactRole',
  object: 'Opportunity',
  sobject: 'OpportunityContactRole',
  select: (fields) => [
    'OpportunityId',
    'Contact.Email',
    'Opportunity.SystemModstamp',
    ...fields.map((f) => `Opportunity.${f}`),
  ],
  where: ['Contact.Email != null'],
  toRecords(row, fields, types, issues) {
    const to = email(pick(row, 'Contact.Email'));
    if (!to) return [];
    const a = stamp(row.SystemModstamp);
    const b = stamp(pick(row, 'Opportunity.SystemModstamp'));
    return [
      {
        id: `${row.OpportunityId}/${row.Id}`,
        email: to,
        modifiedAt: b > a ? b : a,
        attributes: attributes(row, 'Opportunity', fields, 'Opportunity.', types, issues, { csv: isCsv(row) }),
      },
    ];
  },
};

export function markCondition(m: Mark): string | null {
  if (!m.t) return null;
  const t = soqlDateTime(m.t);
  return m.id
    ? `(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > ${soqlString(m.id)}))`
    : `SystemModstamp >= ${t}`;
}

/** The SOQL of one stream after a mark, ordered for exact resumption. */
export function soql(
  stream: Stream,
  fields: string[],
  mark: Mark,
  opts: { limit?: number; before?: string; bulk?: boolean } = {},
): string {
  const select = ['Id', 'SystemModstamp', ...stream.select(fields, !!opts.bulk)];
  if (stream.subquery && !opts.bulk) select.push(stream.subquery);
  const where = [...stream.where];
  const after = markCondition(mark);
  if (after) where.push(after);
  if (opts.before) where.push(`SystemModstamp < ${soqlDateTime(opts.before)}`);
  let q = `SELECT ${select.join(', ')} FROM ${stream.sobject}`;
  if (where.length) q += ` WHERE ${where.join(' AND ')}`;
  if (!opts.bulk) q += ' ORDER BY SystemModstamp, Id';
  if (opts.limit) q += ` LIMIT ${opts.limit}`;
  return q;
}

export { fieldsOf };
