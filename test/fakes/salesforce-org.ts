// The fake org's records and the SOQL semantics over them: field paths resolved on the schema
// (INVALID_FIELD as Salesforce words it), typed literals, filters, ordering, LIMIT, parent paths
// nested as the REST API nests them, child subqueries, COUNT(), and the flat rows Bulk API writes.
import { salesforceSchema, type SObjectSchema } from './salesforce-schema';
import { SoqlError, type Cond, type Literal, type Query } from './salesforce-soql';

export type Row = Record<string, unknown>;
const ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
const sfDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** `childSet` shapes a child subquery's records as a result set (a large one batched with a locator). */
export function createSalesforceOrg(opts: {
  multiCurrency: boolean;
  now: () => number;
  childSet: (rows: Row[], version: string) => Row;
}) {
  const now = opts.now;
  const schema = salesforceSchema(opts.multiCurrency);
  const data = new Map<string, Map<string, Row>>(Object.keys(schema).map((k) => [k, new Map()]));
  let seq = 0;
  const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
  function insert(object: string, values: Row, at = now()): string {
    const s = schema[object]!;
    const id = `${s.prefix}${(++seq).toString(36).padStart(12, '0')}AAA`;
    const t = sec(at);
    data
      .get(object)!
      .set(id, { Id: id, CreatedDate: t, LastModifiedDate: t, SystemModstamp: t, IsDeleted: false, ...values });
    return id;
  }
  function update(object: string, id: string, values: Row, at = now()): void {
    const row = data.get(object)!.get(id);
    if (!row) throw new Error(`no ${object} ${id}`);
    Object.assign(row, values, { LastModifiedDate: sec(at), SystemModstamp: sec(at) });
  }

  function fieldIssue(q: string, at: number, message: string): SoqlError {
    return new SoqlError('INVALID_FIELD', `\n${q}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${message}`);
  }
  /** Resolves `Account.Name` on Contact to its type and a getter, or throws INVALID_FIELD. */
  function resolve(
    q: string,
    object: string,
    path: string,
    at: number,
  ): { type: string; name: string; get: (r: Row) => unknown } {
    const parts = path.split('.');
    let s: SObjectSchema = schema[object]!;
    let entity = object;
    const hops: [string, string][] = [];
    for (const rel of parts.slice(0, -1)) {
      const key = Object.keys(s.parents).find((k) => k.toLowerCase() === rel.toLowerCase());
      if (!key)
        throw fieldIssue(
          q,
          at,
          `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      const [fk, parent] = s.parents[key]!;
      hops.push([fk, parent]);
      s = schema[parent]!;
      entity = parent;
    }
    const last = parts.at(-1)!;
    const name = Object.keys(s.fields).find((f) => f.toLowerCase() === last.toLowerCase());
    if (!name)
      throw fieldIssue(
        q,
        at,
        `No such column '${last}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    return {
      type: s.fields[name]!,
      name,
      get(r: Row) {
        let row: Row | undefined = r;
        for (const [fk, parent] of hops)
          row = typeof row?.[fk] === 'string' ? data.get(parent)!.get(row[fk] as string) : undefined;
        return row?.[name] ?? null;
      },
    };
  }

  function literalFor(q: string, path: string, at: number, type: string, v: Literal, cmp: string): unknown {
    if (v.kind === 'null') {
      if (cmp !== '=' && cmp !== '!=')
        throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `null can only be compared with = or !=`);
      return null;
    }
    const want = (ok: boolean, what: string) => {
      if (!ok)
        throw fieldIssue(
          q,
          at,
          `value of filter criterion for field '${path}' must be of type ${what} and should not be enclosed in quotes`,
        );
    };
    if (type === 'datetime') return (want(v.kind === 'datetime', 'dateTime'), (v as { v: number }).v);
    if (type === 'date') return (want(v.kind === 'date', 'date'), (v as { v: string }).v);
    if (type === 'boolean') return (want(v.kind === 'bool', 'boolean'), (v as { v: boolean }).v);
    if (['int', 'double', 'currency', 'percent'].includes(type))
      return (want(v.kind === 'number', 'double'), (v as { v: number }).v);
    if (v.kind !== 'string')
      throw fieldIssue(
        q,
        at,
        `value of filter criterion for field '${path}' must be of type string and should be enclosed in quotes`,
      );
    if ((type === 'id' || type === 'reference') && !ID.test(v.v))
      throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `\n${q}\n\ninvalid ID field: ${v.v}`);
    return v.v;
  }

  const compare = (a: unknown, b: unknown): number =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number | string) < (b as number | string) ? -1 : 1;

  function predicate(q: string, object: string, c: Cond): (r: Row) => boolean {
    if (c.op !== 'cmp') {
      const l = predicate(q, object, c.l);
      const r = predicate(q, object, c.r);
      return c.op === 'and' ? (x) => l(x) && r(x) : (x) => l(x) || r(x);
    }
    const f = resolve(q, object, c.path, c.at);
    const lit = literalFor(q, c.path, c.at, f.type, c.value, c.cmp);
    return (r) => {
      const v = f.get(r);
      if (lit === null) return c.cmp === '=' ? v === null : v !== null;
      if (c.cmp === '!=') return v !== lit;
      if (v === null) return false;
      const d = compare(v, lit);
      return c.cmp === '=' ? d === 0 : c.cmp === '<' ? d < 0 : c.cmp === '<=' ? d <= 0 : c.cmp === '>' ? d > 0 : d >= 0;
    };
  }

  const attributes = (object: string, id: unknown, version: string) => ({
    type: object,
    url: `/services/data/${version}/sobjects/${object}/${id}`,
  });
  const out = (type: string, v: unknown) => (type === 'datetime' && typeof v === 'number' ? sfDateTime(v) : v);

  /** Runs a parsed query: the matching rows as the REST API shapes them. */
  function run(
    q: string,
    parsed: Query,
    version: string,
    bulk: boolean,
  ): { rows: Row[]; columns: string[]; total: number } {
    const object = Object.keys(schema).find((o) => o.toLowerCase() === parsed.from.toLowerCase());
    if (!object)
      throw new SoqlError(
        'INVALID_TYPE',
        `\n${q}\n${' '.repeat(parsed.fromAt)}^\nERROR at Row:1:Column:${parsed.fromAt + 1}\nsObject type '${parsed.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    const where = parsed.where ? predicate(q, object, parsed.where) : () => true;
    const fields = parsed.select.flatMap((s) =>
      s.kind === 'field' ? [{ path: s.path, ...resolve(q, object, s.path, s.at) }] : [],
    );
    const subs = parsed.select.flatMap((s) => {
      if (s.kind !== 'sub') return [];
      if (bulk) throw new SoqlError('MALFORMED_QUERY', 'Bulk API 2.0 does not support relationship subqueries');
      const rel = Object.keys(schema[object]!.children).find((k) => k.toLowerCase() === s.query.from.toLowerCase());
      if (!rel)
        throw new SoqlError(
          'INVALID_TYPE',
          `Didn't understand relationship '${s.query.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`,
        );
      const [child, fk] = schema[object]!.children[rel]!;
      const cf = s.query.select
        .map((x) => (x.kind === 'field' ? { path: x.path, ...resolve(q, child, x.path, x.at) } : null))
        .filter((x) => x !== null);
      const cw = s.query.where ? predicate(q, child, s.query.where) : () => true;
      return [{ rel, child, fk, fields: cf, where: cw }];
    });
    const order = parsed.orderBy.map((o) => ({ ...o, get: resolve(q, object, o.path, o.at).get }));
    let rows = [...data.get(object)!.values()].filter((r) => !r.IsDeleted && where(r));
    rows.sort((a, b) => {
      for (const o of order) {
        const va = o.get(a);
        const vb = o.get(b);
        if (va === vb) continue;
        if (va === null || vb === null) return (va === null) === o.nullsLast ? 1 : -1;
        return compare(va, vb) * (o.desc ? -1 : 1);
      }
      return 0;
    });
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    if (parsed.count) return { rows: [], columns: [], total: rows.length };
    const shaped = rows.map((r) => {
      const o: Row = bulk ? {} : { attributes: attributes(object, r.Id, version) };
      for (const f of fields) {
        if (bulk) {
          o[f.path] = out(f.type, f.get(r));
          continue;
        }
        // Parent paths nest: Account.Name → { Account: { attributes, Name } }, null without a parent.
        const parts = f.path.split('.');
        let target = o;
        let cur: Row | undefined = r;
        let sch = schema[object]!;
        let missing = false;
        for (const rel of parts.slice(0, -1)) {
          const key = Object.keys(sch.parents).find((k) => k.toLowerCase() === rel.toLowerCase())!;
          const [fk, parent] = sch.parents[key]!;
          cur = typeof cur?.[fk] === 'string' ? data.get(parent)!.get(cur[fk] as string) : undefined;
          sch = schema[parent]!;
          if (!cur) {
            if (!(key in target)) target[key] = null;
            missing = true;
            break;
          }
          target = (target[key] ??= { attributes: attributes(parent, cur.Id, version) }) as Row;
        }
        if (!missing) target[f.name] = out(f.type, f.get(r));
      }
      for (const s of subs) {
        const kids = [...data.get(s.child)!.values()].filter((k) => k[s.fk] === r.Id && !k.IsDeleted && s.where(k));
        const shapedKids = kids.map(
          (k) =>
            Object.fromEntries([
              ['attributes', attributes(s.child, k.Id, version)],
              ...s.fields.map((f) => nest(f.path, out(f.type, f.get(k)))),
            ]) as Row,
        );
        // A large child set comes in batches of its own, read on with its nextRecordsUrl.
        o[s.rel] = kids.length ? opts.childSet(shapedKids, version) : null;
      }
      return o;
    });
    return { rows: shaped, columns: fields.map((f) => f.path), total: rows.length };
  }
  // Subquery rows keep parent paths flat enough for the REST shape: Contact.Email → { Contact: { Email } }.
  function nest(path: string, v: unknown): [string, unknown] {
    const parts = path.split('.');
    if (parts.length === 1) return [path, v];
    return [parts[0]!, Object.fromEntries([nest(parts.slice(1).join('.'), v)])];
  }

  return { schema, data, insert, update, run };
}

export type SalesforceOrg = ReturnType<typeof createSalesforceOrg>;
