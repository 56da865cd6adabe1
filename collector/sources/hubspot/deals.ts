// Deals, paged exactly as contacts are (by hs_lastmodifieddate, ties by id), each applied to its
// associated contacts as `deal.dealstage`, `deal.amount`, `deal.closedate` (stored as
// `hubspot.deal.*`). A contact with several deals holds the one modified last.
import type { FetchContext, FieldIssue, SourceRecord } from '../connector';
import { call, type Token } from './http';
import { contactsPage, DEALS, type ContactsCursor } from './contacts';
import { convert } from './values';

export const DEAL_PROPERTIES: Record<string, string> = {
  dealstage: 'enumeration',
  amount: 'number',
  closedate: 'datetime',
};

type Assoc = { results?: { from: { id: string }; to: { toObjectId: number | string }[] }[] };
type Batch = { results?: { id: string; properties: Record<string, string | null> }[] };

export async function dealsPage(
  ctx: FetchContext,
  token: Token,
  cursor: ContactsCursor,
): Promise<{ records: SourceRecord[]; cursor: ContactsCursor; done: boolean; issues: FieldIssue[]; apiCalls: number }> {
  const page = await contactsPage(ctx, token, cursor, Object.keys(DEAL_PROPERTIES), DEAL_PROPERTIES, DEALS);
  let apiCalls = 1;
  if (!page.records.length) return { ...page, apiCalls };
  const assoc = await call<Assoc>(
    ctx,
    token,
    'POST',
    '/crm/v4/associations/deals/contacts/batch/read',
    'deal associations',
    { inputs: page.records.map((d) => ({ id: d.id })) },
  );
  apiCalls++;
  const contactsOf = new Map<string, string[]>();
  for (const r of assoc.results ?? [])
    contactsOf.set(
      String(r.from.id),
      r.to.map((t) => String(t.toObjectId)),
    );
  const ids = [...new Set([...contactsOf.values()].flat())];
  const emails = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 100) {
    const b = await call<Batch>(ctx, token, 'POST', '/crm/v3/objects/contacts/batch/read', 'contacts batch read', {
      inputs: ids.slice(i, i + 100).map((id) => ({ id })),
      properties: ['email'],
    });
    apiCalls++;
    for (const c of b.results ?? []) if (c.properties.email) emails.set(c.id, c.properties.email);
  }
  const records: SourceRecord[] = [];
  for (const d of page.records) {
    const attributes: Record<string, unknown> = {};
    for (const [k, type] of Object.entries(DEAL_PROPERTIES)) {
      const v = d.attributes[k];
      const out = convert(type, v);
      if (!('reason' in out)) attributes[`deal.${k}`] = out.value;
    }
    attributes['deal.id'] = d.id;
    for (const cid of contactsOf.get(d.id) ?? []) {
      const email = emails.get(cid);
      if (email) records.push({ id: `deal:${d.id}:${cid}`, email, modifiedAt: d.modifiedAt, attributes });
    }
  }
  return { records, cursor: page.cursor, done: page.done, issues: page.issues, apiCalls };
}
