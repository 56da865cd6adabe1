// One page of CRM records applied to people exactly as POST /v1/people applies rows: the email
// normalized to the person's identity, attributes deep-merged under the source's name, erased
// people suppressed (counted, never recreated).
import type { Env } from '../env';
import { identityOf, personKey } from '../identity';
import { personRowSchema } from '../../shared/schemas/people';
import type { SourceRecord } from './connector';
import { personByKey } from '../objects/doors';

export interface ApplyCounts {
  read: number;
  applied: number;
  rejected: number;
  suppressed: number;
}

// As the JOBS consumer: Workers allow 6 simultaneous open connections per invocation.
const PARALLEL_PEOPLE = 6;

/** `{"Lead.Status": x}` → `{Lead: {Status: x}}`, so `salesforce.Lead.Status` is a path in audiences. */
export function nest(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) {
    const parts = k.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) {
      const next = at[p];
      at = (at[p] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<
        string,
        unknown
      >;
    }
    at[parts.at(-1)!] = v;
  }
  return out;
}

export async function applyRecords(
  env: Env,
  source: string,
  records: SourceRecord[],
  now: number,
): Promise<ApplyCounts> {
  const counts: ApplyCounts = { read: records.length, applied: 0, rejected: 0, suppressed: 0 };
  // One person's records travel together, in order, so a page never races a person against itself.
  const byEmail = new Map<string, { source: string; attributes: Record<string, unknown> }[]>();
  for (const r of records) {
    const row = personRowSchema.safeParse({ email: r.email, source, attributes: nest(r.attributes) });
    if (!row.success) {
      counts.rejected++;
      continue;
    }
    const email = identityOf(row.data.email);
    const rows = byEmail.get(email) ?? [];
    rows.push({ source, attributes: row.data.attributes as Record<string, unknown> });
    byEmail.set(email, rows);
  }
  const people = [...byEmail.entries()];
  let next = 0;
  const worker = async () => {
    while (next < people.length) {
      const [email, rows] = people[next++]!;
      const key = await personKey(env, email);
      const r = await personByKey(env, key).upsertAttributes({ key, email, rows, now });
      counts[r.status === 'stored' ? 'applied' : 'suppressed'] += rows.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PEOPLE, people.length) }, worker));
  return counts;
}
