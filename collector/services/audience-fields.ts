// The audience builder's field catalogue: every connected source's synced fields, named and typed as
// audiences use them (`hubspot.lifecyclestage`, `salesforce.Opportunity.Amount`), for
// GET /api/audiences/fields and the admin's audience form. A source whose CRM cannot be read right
// now is listed with its error; the others still answer.
import type { Env } from '../env';
import type { CatalogueField } from '../sources/catalogue';
import { configObject } from '../objects/doors';
import { sourceFor } from './sources';

export interface FieldCatalogue {
  fields: (CatalogueField & { sources: string[] })[];
  sources: {
    id: string;
    name: string;
    type: string;
    fields: number;
    error: { code: string; message: string } | null;
  }[];
}

export async function audienceFields(env: Env): Promise<FieldCatalogue> {
  const refs = await configObject(env).listSources();
  const answers = await Promise.all(refs.map((r) => sourceFor(env, r.id).catalogue()));
  const byName = new Map<string, CatalogueField & { sources: string[] }>();
  const sources: FieldCatalogue['sources'] = [];
  refs.forEach((r, i) => {
    const a = answers[i]!;
    if (!a.ok) {
      // A source deleted between the list and its answer is simply gone.
      if (a.code !== 'not_found')
        sources.push({ id: r.id, name: r.name, type: r.type, fields: 0, error: { code: a.code, message: a.message } });
      return;
    }
    sources.push({ id: r.id, name: r.name, type: r.type, fields: a.value.length, error: null });
    for (const f of a.value) {
      // Two sources of one CRM write the same attribute: listed once, naming both.
      const seen = byName.get(f.name);
      if (seen) seen.sources.push(r.id);
      else byName.set(f.name, { ...f, sources: [r.id] });
    }
  });
  const fields = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { fields, sources };
}
