// The admin's Ladders section: in the navigation, a ladder from the HubSpot template sending to a
// Meta destination, errors shown inline with what was typed kept, the ladder view (stages in order,
// links to their audiences, weekly counts, the rarity hint), typed text escaped, CSRF, deletion.
import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import { createAudience, destination, GOOGLE_SETTINGS, json, META_SETTINGS } from './audiences-helpers';
import { get, post, signIn } from './admin-helpers';

const templateForm = (csrf: string, fields: Record<string, string> = {}) => ({
  _csrf: csrf,
  name: 'Admin funnel',
  source: 'hubspot',
  withinDays: '30',
  destinationId: '',
  currency: '',
  valueField: 'crm.deal.amount',
  ...fields,
});

describe('admin ladders', { timeout: 60_000 }, () => {
  it('creates a ladder from the HubSpot template and shows its stages, counts and hints', async () => {
    const { cookies, csrf } = await signIn();
    const meta = await destination('meta', META_SETTINGS);
    const list = await get('/admin/ladders', cookies);
    expect(list.status).toBe(200);
    expect(await list.text()).toMatch(/<a href="\/admin\/ladders" aria-current="page">Ladders<\/a>/);
    const page = await (await get('/admin/ladders/new', cookies)).text();
    expect(page).toContain('action="/admin/ladders/new/template"');
    expect(page).toContain(`<option value="${meta}">`);

    // A value without a currency: refused inline, naming the field, keeping what was typed.
    const bad = await post(
      '/admin/ladders/new/template',
      templateForm(csrf, { destinationId: meta, value_won: 'on', stage_sql: 'Sales <b>qualified</b>' }),
      cookies,
    );
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('<code>send[0].currency</code>');
    expect(badHtml).toContain('value="Sales &lt;b&gt;qualified&lt;/b&gt;"');
    expect(badHtml).not.toContain('<b>qualified</b>');

    const res = await post(
      '/admin/ladders/new/template',
      templateForm(csrf, {
        destinationId: meta,
        value_opportunity: 'on',
        value_won: 'on',
        currency: 'eur',
        stage_sql: 'Sales <b>qualified</b>',
      }),
      cookies,
    );
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    const id = decodeURIComponent(/\/admin\/ladders\/([^?]+)\?done=created/.exec(location)![1]!);
    const stored = await json(await api(`/api/ladders/${id}`));
    expect(stored.stages.map((s: any) => s.conversions[0].eventName)).toEqual([
      'Lead',
      'MQL',
      'Sales <b>qualified</b>',
      'Opportunity',
      'Won',
    ]);
    expect(stored.stages.map((s: any) => s.conversions[0].valueField ?? null)).toEqual([
      null,
      null,
      null,
      'crm.deal.amount',
      'crm.deal.amount',
    ]);
    expect(stored.stages[4].conversions[0].currency).toBe('EUR');

    const view = await get(location, cookies);
    expect(view.status).toBe(200);
    const html = await view.text();
    expect(html).toContain('Ladder created.');
    // Stages in funnel order, each linking to its audience.
    const order = ['1. Lead', '2. MQL', '3. SQL', '4. Opportunity', '5. Won'].map((s) => html.indexOf(s));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    for (const s of stored.stages) expect(html).toContain(`href="/admin/audiences/${s.audienceId}"`);
    expect(html).toContain('Sales &lt;b&gt;qualified&lt;/b&gt;');
    expect(html).not.toContain('<b>qualified</b>');
    expect(html).toContain('Won: 0 a month: too rare to optimize bidding on');
    expect(html).toContain('No stage reaches 30 conversions a month yet.');
    expect(html).toContain('0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0');
    expect(html).toMatch(/<svg class="stage-chart"[^>]*role="img"/);

    // Without a CSRF token nothing is deleted.
    const forged = await post(`/admin/ladders/${id}/delete`, { deleteAudiences: 'on' }, cookies);
    expect(forged.status).toBe(403);
    const del = await post(`/admin/ladders/${id}/delete`, { _csrf: csrf, deleteAudiences: 'on' }, cookies);
    expect(del.status).toBe(303);
    expect((await api(`/api/ladders/${id}`)).status).toBe(404);
    for (const s of stored.stages) expect((await api(`/api/audiences/${s.audienceId}`)).status).toBe(404);
  });

  it('creates a ladder from existing audiences, in the order chosen, and keeps them when it is deleted', async () => {
    const { cookies, csrf } = await signIn();
    const def = (name: string) => ({
      name,
      criteria: { field: 'crm.stage', op: 'eq', value: name },
      timestamp: { field: `crm.${name}_at`, withinDays: 7 },
    });
    const [a, b] = [await createAudience(def('admin-ladder-a')), await createAudience(def('admin-ladder-b'))];
    const empty = await post('/admin/ladders/new/audiences', { _csrf: csrf, name: 'Nothing chosen' }, cookies);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('<code>stages</code>');
    const res = await post(
      '/admin/ladders/new/audiences',
      { _csrf: csrf, name: 'Picked', audience_0: b.id, name_0: 'Demo booked', audience_2: a.id },
      cookies,
    );
    expect(res.status).toBe(303);
    const id = decodeURIComponent(/\/admin\/ladders\/([^?]+)\?/.exec(res.headers.get('location')!)![1]!);
    expect((await json(await api(`/api/ladders/${id}`))).stages.map((s: any) => [s.name, s.audienceId])).toEqual([
      ['Demo booked', b.id],
      ['admin-ladder-a', a.id],
    ]);
    const html = await (await get(`/admin/ladders/${id}`, cookies)).text();
    expect(html).toContain('Demo booked: no conversion is turned on for this stage yet');

    // Every stage to one Meta destination from the ladder view; the same again is refused inline.
    const meta = await destination('meta', META_SETTINGS);
    expect(await (await get(`/admin/ladders/${id}`, cookies)).text()).toContain(`action="/admin/ladders/${id}/send"`);
    const on = await post(
      `/admin/ladders/${id}/send`,
      { _csrf: csrf, destinationId: meta, stage_demo_booked: 'Demo', valueField: 'crm.deal.amount' },
      cookies,
    );
    expect(on.status).toBe(303);
    expect(on.headers.get('location')).toBe(`/admin/ladders/${id}?done=sending`);
    expect((await json(await api(`/api/audiences/${b.id}/conversions`))).conversions).toMatchObject([
      { destinationId: meta, eventName: 'Demo' },
    ]);
    expect((await json(await api(`/api/audiences/${a.id}/conversions`))).conversions).toMatchObject([
      { destinationId: meta, eventName: 'admin-ladder-a' },
    ]);
    const twice = await post(
      `/admin/ladders/${id}/send`,
      { _csrf: csrf, destinationId: meta, stage_demo_booked: 'Demo' },
      cookies,
    );
    expect(twice.status).toBe(400);
    const twiceHtml = await twice.text();
    expect(twiceHtml).toContain('Nothing was turned on');
    expect(twiceHtml).toContain(`stage &quot;demo_booked&quot; already sends event &quot;Demo&quot; to ${meta}`);
    expect(twiceHtml).toContain('id="ls-stage-demo_booked" name="stage_demo_booked" type="text" value="Demo"');

    // With a second destination, the month column shows each one's own rate.
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    expect(
      (
        await post(
          `/admin/ladders/${id}/send`,
          { _csrf: csrf, destinationId: google, stage_demo_booked: '11', stage_admin_ladder_a: '12' },
          cookies,
        )
      ).status,
    ).toBe(303);
    expect(await (await get(`/admin/ladders/${id}`, cookies)).text()).toContain('google_ads test: 0; meta test: 0');
    expect((await post(`/admin/ladders/${id}/delete`, { _csrf: csrf }, cookies)).status).toBe(303);
    expect((await api(`/api/audiences/${a.id}`)).status).toBe(200);
    const list = await (await get('/admin/ladders?done=deleted', cookies)).text();
    expect(list).toContain('The ladder was deleted.');
    expect((await get(`/admin/ladders/${id}`, cookies)).status).toBe(404);
  });
});
