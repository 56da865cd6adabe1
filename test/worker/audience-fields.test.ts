// The audience builder's field catalogue inside workerd: a HubSpot source and a Salesforce source
// connected to their fakes, synced, then GET /api/audiences/fields compared with the attributes the
// sync actually wrote to people (names and types), and the admin's audience form offering them.
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { json, send } from './audiences-helpers';
import { api, person } from './helpers';
import { get, signIn } from './admin-helpers';

const HUBSPOT = inject('hubspotUrl');
const SF = inject('salesforceUrl');
const H = WORKER_FAKES.hubspot;
const C = WORKER_FAKES.salesforce;
const RUN = Date.now().toString(36);
const T = Date.now() - 3_600_000;
const ACCT = `fields-${RUN}`;
const ORG = `sf-fields-${RUN}`;

async function created(body: Record<string, unknown>) {
  const res = await send('/api/sources', 'POST', body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

/** The first run, which connecting a source starts by itself, finished. */
async function synced(id: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await json(await api(`/api/sources/${id}`));
    if (s.lastRun && !s.currentRun) return s;
    if (Date.now() > deadline) throw new Error(`source ${id} did not finish: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sfInsert(object: string, values: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${SF}/org/${ORG}/__control`, {
    method: 'POST',
    body: JSON.stringify({ action: 'insert', object, values, at: T }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { id: string }).id;
}

/** A person's stored attributes under `root` as dotted paths with their values. */
function leaves(value: unknown, path: string, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out);
  else out[path] = value;
  return out;
}

/** Whether a stored value is what a field of this catalogue type holds. */
function fits(type: string, v: unknown): boolean {
  if (v === null) return true;
  if (type === 'number') return typeof v === 'number';
  if (type === 'bool') return typeof v === 'boolean';
  if (type === 'datetime' || type === 'date')
    return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v);
  return typeof v === 'string';
}

describe('audience field catalogue', { timeout: 300_000 }, () => {
  it('lists exactly the attributes HubSpot and Salesforce syncs write, with their types, and the admin form offers them', async () => {
    const email = `both.${RUN}@example.com`;
    await fetch(`${HUBSPOT}/__fake/control`, {
      method: 'POST',
      body: JSON.stringify({
        account: ACCT,
        action: 'upsert',
        contacts: [
          {
            email,
            properties: {
              firstname: 'Bo',
              lifecyclestage: 'marketingqualifiedlead',
              hs_lifecyclestage_marketingqualifiedlead_date: String(T),
            },
            at: T,
          },
        ],
      }),
    });
    await sfInsert('Lead', { Email: email, LastName: 'Both', Company: 'Acme', Status: 'Open' });
    const contact = await sfInsert('Contact', { Email: email, LastName: 'Both' });
    const opp = await sfInsert('Opportunity', {
      Name: 'Deal',
      StageName: 'Prospecting',
      Amount: 1200.5,
      CloseDate: '2027-03-31',
      IsWon: false,
      IsClosed: false,
    });
    await sfInsert('OpportunityContactRole', {
      OpportunityId: opp,
      ContactId: contact,
      Role: 'Buyer',
      IsPrimary: true,
    });

    const hs = await created({
      type: 'hubspot',
      name: `HubSpot ${ACCT}`,
      settings: { endpoint: `${HUBSPOT}/acct/${ACCT}`, accessToken: H.privateToken },
    });
    const sf = await created({
      type: 'salesforce',
      name: `Salesforce ${ORG}`,
      settings: {
        instanceUrl: 'https://acme.my.salesforce.com',
        clientId: C.clientId,
        clientSecret: C.clientSecret,
        refreshToken: C.refreshToken,
        endpoint: `${SF}/org/${ORG}`,
        tokenEndpoint: `${SF}/org/${ORG}`,
      },
    });
    expect((await synced(hs.id)).lastRun).toMatchObject({ applied: 1, rejected: 0 });
    expect((await synced(sf.id)).lastRun.applied).toBeGreaterThanOrEqual(3);

    const res = await api('/api/audiences/fields');
    expect(res.status).toBe(200);
    const catalogue = await json(res);
    expect(catalogue.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: hs.id, type: 'hubspot', error: null }),
        expect.objectContaining({ id: sf.id, type: 'salesforce', error: null }),
      ]),
    );
    const byName = new Map<string, any>(catalogue.fields.map((f: any) => [f.name, f]));

    // Every attribute the syncs wrote to the person is in the catalogue, under the same name, with a type its value fits.
    const p = await person(email);
    const written = { ...leaves(p.attributes.hubspot, 'hubspot'), ...leaves(p.attributes.salesforce, 'salesforce') };
    expect(Object.keys(written).length).toBeGreaterThan(8);
    for (const [name, value] of Object.entries(written)) {
      const field = byName.get(name);
      expect(field, `${name} written by the sync but not in the catalogue`).toBeDefined();
      expect(fits(field.type, value), `${name}: ${JSON.stringify(value)} is not a ${field.type}`).toBe(true);
    }

    expect(byName.get('hubspot.lifecyclestage')).toMatchObject({
      label: 'Lifecycle Stage',
      type: 'enumeration',
      sources: [hs.id],
    });
    expect(byName.get('hubspot.lifecyclestage').options.map((o: any) => o.value)).toContain('marketingqualifiedlead');
    expect(byName.get('hubspot.hs_lifecyclestage_marketingqualifiedlead_date')).toMatchObject({ type: 'datetime' });
    expect(written['hubspot.hs_lifecyclestage_marketingqualifiedlead_date']).toBe(new Date(T).toISOString());
    expect(byName.get('salesforce.Lead.Status')).toMatchObject({ type: 'enumeration', sources: [sf.id] });
    expect(written['salesforce.Lead.Status']).toBe('Open');
    expect(byName.get('salesforce.Lead.Status').options).toContainEqual({
      value: 'Working - Contacted',
      label: 'Working - Contacted',
    });
    expect(byName.get('salesforce.Opportunity.StageName')).toMatchObject({ type: 'enumeration' });
    expect(byName.get('salesforce.Opportunity.StageName').options.map((o: any) => o.value)).toContain('Closed Won');
    expect(byName.get('salesforce.Opportunity.Amount')).toMatchObject({ type: 'number' });
    expect(written['salesforce.Opportunity.Amount']).toBe(1200.5);
    expect(byName.get('salesforce.Opportunity.CloseDate')).toMatchObject({ type: 'date' });
    // The identity is not an attribute: Email is not offered for leads and contacts.
    expect(byName.has('salesforce.Lead.Email')).toBe(false);

    // The admin's audience form: the timestamp input offers the date fields, the criteria fields every field.
    const { cookies } = await signIn();
    const page = await get('/admin/audiences/new', cookies);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('list="timestamp-suggestions"');
    const datalist = (id: string) =>
      [
        ...(new RegExp(`<datalist id="${id}">(.*?)</datalist>`, 's').exec(html)?.[1] ?? '').matchAll(
          /value="([^"]+)"/g,
        ),
      ].map((m) => m[1]);
    const timestamps = datalist('timestamp-suggestions');
    expect(timestamps).toContain('hubspot.hs_lifecyclestage_marketingqualifiedlead_date');
    expect(timestamps).toContain('salesforce.Opportunity.CloseDate');
    expect(timestamps).not.toContain('hubspot.lifecyclestage');
    const all = datalist('field-suggestions');
    for (const name of Object.keys(written)) expect(all).toContain(name);
    expect(html).toMatch(/<tr data-field="hubspot.lifecyclestage">.*?enumeration.*?marketingqualifiedlead/s);
    expect(html).toMatch(/<tr data-field="salesforce.Opportunity.Amount">.*?number/s);
    expect(html).toMatch(/<tr data-field="salesforce.Opportunity.StageName">.*?enumeration.*?Closed Won/s);

    // A new selection of properties is offered at once (the catalogue is cached per selection).
    const patched = await send(`/api/sources/${hs.id}`, 'PATCH', {
      settings: { properties: ['email', 'lifecyclestage'] },
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const narrowed = (await json(await api('/api/audiences/fields'))).fields
      .map((f: any) => f.name)
      .filter((n: string) => n.startsWith('hubspot.'));
    expect(narrowed).toEqual(['hubspot.email', 'hubspot.lifecyclestage']);
  });
});
