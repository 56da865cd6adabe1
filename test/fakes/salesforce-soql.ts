// The SOQL subset the Salesforce fake understands, parsed strictly: SELECT fields (parent paths,
// one child subquery, COUNT()), FROM, WHERE with AND / OR / parentheses and = != <> < <= > >= against
// string, number, boolean, null, date and datetime literals, ORDER BY, LIMIT. Anything else is
// refused with MALFORMED_QUERY, as Salesforce refuses what it cannot parse; fields are checked
// against the fake's schema by the caller (INVALID_FIELD).

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
    message: string,
  ) {
    super(message);
  }
}

export type Literal =
  | { kind: 'string'; v: string }
  | { kind: 'number'; v: number }
  | { kind: 'bool'; v: boolean }
  | { kind: 'null' }
  | { kind: 'date'; v: string }
  | { kind: 'datetime'; v: number };

export type Cond =
  { op: 'and' | 'or'; l: Cond; r: Cond } | { op: 'cmp'; path: string; at: number; cmp: string; value: Literal };
export type SelectItem = { kind: 'field'; path: string; at: number } | { kind: 'sub'; query: Query };

export interface Query {
  count: boolean;
  select: SelectItem[];
  from: string;
  fromAt: number;
  where?: Cond;
  orderBy: { path: string; at: number; desc: boolean; nullsLast: boolean }[];
  limit?: number;
}

interface Token {
  t: 'word' | 'string' | 'number' | 'datetime' | 'date' | 'punct' | 'op';
  v: string;
  at: number;
}

const KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'LIMIT',
  'NULL',
  'TRUE',
  'FALSE',
  'NULLS',
  'FIRST',
  'LAST',
];
const UNSUPPORTED = [
  'OFFSET',
  'GROUP',
  'HAVING',
  'TYPEOF',
  'WITH',
  'FOR',
  'USING',
  'NOT',
  'IN',
  'LIKE',
  'INCLUDES',
  'EXCLUDES',
  'UPDATE',
];
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = q.slice(i);
    let m: RegExpExecArray | null;
    if ((m = DATETIME.exec(rest))) {
      const zone = m[1] === 'Z' ? 'Z' : m[1]!;
      const ms = Date.parse(m[0].slice(0, 19) + zone);
      if (!Number.isFinite(ms)) throw new SoqlError('MALFORMED_QUERY', `invalid datetime literal ${m[0]}`);
      out.push({ t: 'datetime', v: String(ms), at: i });
      i += m[0].length;
    } else if ((m = DATE.exec(rest))) (out.push({ t: 'date', v: m[0], at: i }), (i += m[0].length));
    else if ((m = /^-?\d+(\.\d+)?/.exec(rest))) (out.push({ t: 'number', v: m[0], at: i }), (i += m[0].length));
    else if ((m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest)))
      (out.push({ t: 'word', v: m[0], at: i }), (i += m[0].length));
    else if (c === "'") {
      let v = '';
      let j = i + 1;
      for (; j < q.length && q[j] !== "'"; j++) {
        if (q[j] === '\\') {
          const e = q[++j];
          const map: Record<string, string> = {
            n: '\n',
            r: '\r',
            t: '\t',
            b: '\b',
            f: '\f',
            '"': '"',
            "'": "'",
            '\\': '\\',
            _: '\\_',
            '%': '\\%',
          };
          if (e === undefined || !(e in map))
            throw new SoqlError('MALFORMED_QUERY', `Invalid string literal: bad escape at ${j}`);
          v += map[e];
        } else v += q[j];
      }
      if (j >= q.length) throw new SoqlError('MALFORMED_QUERY', 'unterminated string literal');
      out.push({ t: 'string', v, at: i });
      i = j + 1;
    } else if ((m = /^(!=|<>|<=|>=|=|<|>)/.exec(rest))) (out.push({ t: 'op', v: m[0], at: i }), (i += m[0].length));
    else if ('(),'.includes(c)) (out.push({ t: 'punct', v: c, at: i }), i++);
    else throw new SoqlError('MALFORMED_QUERY', `unexpected token '${c}' at column ${i + 1}`);
  }
  return out;
}

export function parseSoql(q: string): Query {
  const toks = tokenize(q);
  let p = 0;
  const peek = () => toks[p];
  const kw = (k: string) => peek()?.t === 'word' && peek()!.v.toUpperCase() === k;
  const fail = (what: string): never => {
    const tok = peek();
    throw new SoqlError(
      'MALFORMED_QUERY',
      `\n${q}\n${' '.repeat(tok?.at ?? q.length)}^\nERROR at Row:1:Column:${(tok?.at ?? q.length) + 1}\nunexpected token: ${tok ? `'${tok.v}'` : '<EOF>'} (expected ${what})`,
    );
  };
  const expectKw = (k: string) => (kw(k) ? p++ : fail(k));
  const expectPunct = (v: string) => (peek()?.t === 'punct' && peek()!.v === v ? p++ : fail(`'${v}'`));
  const field = (): { path: string; at: number } => {
    const tok = peek();
    if (tok?.t !== 'word' || KEYWORDS.includes(tok.v.toUpperCase()) || UNSUPPORTED.includes(tok.v.toUpperCase()))
      return fail('a field');
    p++;
    return { path: tok.v, at: tok.at };
  };

  function query(sub: boolean): Query {
    expectKw('SELECT');
    const select: SelectItem[] = [];
    let count = false;
    if (!sub && kw('COUNT') && toks[p + 1]?.v === '(' && toks[p + 2]?.v === ')') {
      count = true;
      p += 3;
    } else {
      for (;;) {
        if (peek()?.t === 'punct' && peek()!.v === '(') {
          if (sub) fail('a field (subqueries do not nest)');
          p++;
          select.push({ kind: 'sub', query: query(true) });
          expectPunct(')');
        } else select.push({ kind: 'field', ...field() });
        if (peek()?.v === ',') p++;
        else break;
      }
    }
    expectKw('FROM');
    const from = field();
    const out: Query = { count, select, from: from.path, fromAt: from.at, orderBy: [] };
    if (kw('WHERE')) {
      p++;
      out.where = or();
    }
    if (kw('ORDER')) {
      p++;
      expectKw('BY');
      for (;;) {
        const f = field();
        let desc = false;
        if (kw('ASC')) p++;
        else if (kw('DESC')) (p++, (desc = true));
        let nullsLast = desc;
        if (kw('NULLS')) {
          p++;
          if (kw('FIRST')) (p++, (nullsLast = false));
          else if (kw('LAST')) (p++, (nullsLast = true));
          else fail('FIRST or LAST');
        }
        out.orderBy.push({ ...f, desc, nullsLast });
        if (peek()?.v === ',') p++;
        else break;
      }
    }
    if (kw('LIMIT')) {
      p++;
      const n = peek();
      if (n?.t !== 'number' || !/^\d+$/.test(n.v)) fail('a whole number');
      p++;
      out.limit = Number(n!.v);
    }
    return out;
  }

  function or(): Cond {
    let l = and();
    while (kw('OR')) (p++, (l = { op: 'or', l, r: and() }));
    return l;
  }
  function and(): Cond {
    let l = atom();
    while (kw('AND')) (p++, (l = { op: 'and', l, r: atom() }));
    return l;
  }
  function atom(): Cond {
    if (peek()?.v === '(') {
      p++;
      const c = or();
      expectPunct(')');
      return c;
    }
    const f = field();
    const op = peek();
    if (op?.t !== 'op') return fail('a comparison operator');
    p++;
    const v = peek();
    let value: Literal;
    if (v?.t === 'string') value = { kind: 'string', v: v.v };
    else if (v?.t === 'number') value = { kind: 'number', v: Number(v.v) };
    else if (v?.t === 'datetime') value = { kind: 'datetime', v: Number(v.v) };
    else if (v?.t === 'date') value = { kind: 'date', v: v.v };
    else if (kw('NULL')) value = { kind: 'null' };
    else if (kw('TRUE') || kw('FALSE')) value = { kind: 'bool', v: v!.v.toUpperCase() === 'TRUE' };
    else return fail('a value');
    p++;
    return { op: 'cmp', path: f.path, at: f.at, cmp: op.v === '<>' ? '!=' : op.v, value };
  }

  const out = query(false);
  if (p < toks.length) fail('end of query');
  return out;
}
