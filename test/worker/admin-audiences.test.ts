import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import { DAY, settled, upsert } from './audiences-helpers';
import { get, post, signIn } from './admin-helpers';

function audienceForm(csrf: string, fields: Record<string, string> = {}) {
  return {
    _csrf: csrf,
    name: 'Became SQL (admin)',
    criteria: JSON.stringify({ all: [{ field: 'crm.stage', op: 'eq', value: 'sql' }] }),
    timestampField: 'crm.sql_at',
    withinDays: '30',
    reentry: 'once',
    ...fields,
  };
}

async function createThroughForm(csrf: string, cookies: Record<string, string>, fields: Record<string, string> = {}) {
  const res = await post('/admin/audiences/new', audienceForm(csrf, fields), cookies);
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  const id = /\/admin\/audiences\/([^?]+)\?done=created/.exec(location)![1];
  return decodeURIComponent(id);
}

describe('admin audiences', { timeout: 60_000 }, () => {
  it('refuses an invalid definition inline, naming the node, and keeps what was typed', async () => {
    const { cookies, csrf } = await signIn();
    const bad = await post(
      '/admin/audiences/new',
      audienceForm(csrf, {
        name: '<b>bad</b>',
        criteria: JSON.stringify({ all: [{ field: 'crm.stage', op: 'equals', value: 'sql' }] }),
      }),
      cookies,
    );
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('<code>criteria.all[0].op</code>');
    expect(html).toContain('value="&lt;b&gt;bad&lt;/b&gt;"');
    expect(html).toContain('&quot;equals&quot;');
    const notJson = await post('/admin/audiences/new', audienceForm(csrf, { criteria: '{"all": [' }), cookies);
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toContain('is not valid JSON');
    const noWindow = await post('/admin/audiences/new', audienceForm(csrf, { withinDays: '120' }), cookies);
    expect(noWindow.status).toBe(400);
    expect(await noWindow.text()).toContain('<code>timestamp.withinDays</code>');
    const traits = await post(
      '/admin/audiences/new',
      audienceForm(csrf, { criteria: JSON.stringify({ all: [{ field: 'traits.plan', op: 'eq', value: 'pro' }] }) }),
      cookies,
    );
    expect(traits.status).toBe(400);
    expect(await traits.text()).toContain('set allowTraits: true');
    // Nothing was created by the refused forms.
    const list = (await (await api('/api/audiences')).json()) as any;
    expect(list.audiences.filter((a: any) => a.name === '<b>bad</b>')).toEqual([]);
  });

  it('creates, audits members, turns a conversion on, pauses and deletes', async () => {
    const { cookies, csrf } = await signIn();
    const now = Date.now();
    const email = `aud-admin-${Math.random().toString(36).slice(2, 8)}@example.com`;
    await upsert(email, 'crm', { stage: 'sql', sql_at: new Date(now - 2 * DAY).toISOString() }, now);

    const id = await createThroughForm(csrf, cookies, { name: `SQL ${email}` });
    await settled(id);
    const page = await (await get(`/admin/audiences/${encodeURIComponent(id)}`, cookies)).text();
    expect(page).toContain(`<h1>SQL ${email}</h1>`);
    expect(page).toContain('No conversion is on');
    expect(page).toMatch(/done<\/strong>\. \d+ of \d+ people evaluated/);

    let members = await (await get(`/admin/audiences/${encodeURIComponent(id)}/members`, cookies)).text();
    expect(members).toContain(email);
    expect(members).toContain('<code>crm.stage</code>');
    expect(members).toContain('no conversion turned on');

    // Turning a conversion on: an invalid currency is refused inline, and so is a destination that
    // does not exist (under the destination field); then a valid one.
    const created = await api('/api/destinations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'meta',
        name: 'Admin test',
        mode: 'dry_run',
        settings: { pixelId: '4242', accessToken: 'EAA-admin-audiences-token' },
      }),
    });
    expect(created.status).toBe(201);
    const dst = ((await created.json()) as { id: string }).id;
    const badCv = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      { _csrf: csrf, destinationId: dst, currency: 'dollars', sendExisting: 'on' },
      cookies,
    );
    expect(badCv.status).toBe(400);
    expect(await badCv.text()).toContain('ISO 4217');
    const noDst = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      { _csrf: csrf, destinationId: 'dst_doesnotexist', sendExisting: 'on' },
      cookies,
    );
    expect(noDst.status).toBe(400);
    expect(await noDst.text()).toMatch(/id="cv-destinationId-issues"[^]*no destination dst_doesnotexist is configured/);
    const on = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      { _csrf: csrf, destinationId: dst, eventName: 'SQL', value: '1500', currency: 'usd', sendExisting: 'on' },
      cookies,
    );
    expect(on.status).toBe(303);
    await settled(id);
    const conversions = ((await (await api(`/api/audiences/${id}/conversions`)).json()) as any).conversions;
    expect(conversions).toMatchObject([
      { destinationId: dst, eventName: 'SQL', value: 1500, currency: 'USD', sendExisting: true, paused: false },
    ]);
    members = await (await get(`/admin/audiences/${encodeURIComponent(id)}/members`, cookies)).text();
    expect(members).toContain(dst);
    expect(members).toMatch(/Would send|Skipped:/);

    // The person's page lists the entry and the conversion row.
    const personPage = await (await get(`/admin/people/${encodeURIComponent(email)}`, cookies)).text();
    expect(personPage).toContain(`>SQL ${email}</a>`);
    // The destination by its name, linked (it exists now that turn-on checks it).
    expect(personPage).toMatch(
      new RegExp(`<a href="[^"]*/destinations/${dst}">Admin test</a></td><td><span class="badge status-[a-z_]+">`),
    );

    const cid = conversions[0].id;

    // A Google conversion action may be typed as the resource name Google Ads shows: it is kept, and
    // shown, as the action ID; a doubled resource name is refused inline.
    const gads = await api('/api/destinations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'google_ads',
        name: 'Admin Google',
        mode: 'dry_run',
        settings: {
          customerId: '1234567890',
          conversionActionId: '2',
          clientId: 'client-id',
          clientSecret: 'client-secret-123',
          refreshToken: 'refresh-token-123',
        },
      }),
    });
    const gdst = ((await gads.json()) as { id: string }).id;
    const doubled = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      {
        _csrf: csrf,
        destinationId: gdst,
        conversionAction: 'customers/1234567890/conversionActions/customers/1234567890/conversionActions/555',
        sendExisting: 'on',
      },
      cookies,
    );
    expect(doubled.status).toBe(400);
    expect(await doubled.text()).toContain('customers/{customerId}/conversionActions/{id}');
    // Retractions are opted into on the same form: criteria in JSON, and the reversal's time field.
    const badRetract = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      { _csrf: csrf, destinationId: gdst, retractCriteria: '{"field": ', sendExisting: 'on' },
      cookies,
    );
    expect(badRetract.status).toBe(400);
    expect(await badRetract.text()).toMatch(/id="cv-retractCriteria-issues"[^]*must be criteria in JSON/);
    const gOn = await post(
      `/admin/audiences/${encodeURIComponent(id)}/conversions`,
      {
        _csrf: csrf,
        destinationId: gdst,
        conversionAction: 'customers/1234567890/conversionActions/555',
        retractCriteria: '{"field": "crm.stage", "op": "eq", "value": "lost"}',
        retractTimestamp: 'crm.lost_at',
        sendExisting: 'on',
      },
      cookies,
    );
    expect(gOn.status).toBe(303);
    const gConversion = ((await (await api(`/api/audiences/${id}/conversions`)).json()) as any).conversions.find(
      (x: any) => x.destinationId === gdst,
    );
    expect(gConversion.retractOn).toEqual({
      criteria: { field: 'crm.stage', op: 'eq', value: 'lost' },
      timestamp: 'crm.lost_at',
    });
    const withGoogle = await (await get(`/admin/audiences/${encodeURIComponent(id)}`, cookies)).text();
    expect(withGoogle).toContain('<td>555</td>');
    expect(withGoogle).not.toContain('conversionActions/555');
    expect(
      (
        await post(
          `/admin/audiences/${encodeURIComponent(id)}/conversions/${cid}/pause`,
          { _csrf: csrf, paused: 'true' },
          cookies,
        )
      ).status,
    ).toBe(303);
    expect(((await (await api(`/api/audiences/${id}/conversions/${cid}`)).json()) as any).paused).toBe(true);

    expect(
      (await post(`/admin/audiences/${encodeURIComponent(id)}/pause`, { _csrf: csrf, paused: 'true' }, cookies)).status,
    ).toBe(303);
    expect(((await (await api(`/api/audiences/${id}`)).json()) as any).paused).toBe(true);

    // State changes need the CSRF token.
    expect((await post(`/admin/audiences/${encodeURIComponent(id)}/delete`, {}, cookies)).status).toBe(403);
    expect((await post(`/admin/audiences/${encodeURIComponent(id)}/delete`, { _csrf: csrf }, cookies)).status).toBe(
      303,
    );
    expect((await api(`/api/audiences/${id}`)).status).toBe(404);
    const gone = await get(`/admin/audiences/${encodeURIComponent(id)}`, cookies);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('There is no such audience');
  });

  it('edits an audience through the same form, with the current values filled in', async () => {
    const { cookies, csrf } = await signIn();
    const id = await createThroughForm(csrf, cookies, { name: 'Edit me' });
    const form = await (await get(`/admin/audiences/${encodeURIComponent(id)}/edit`, cookies)).text();
    expect(form).toContain('value="Edit me"');
    expect(form).toContain('value="crm.sql_at"');
    const saved = await post(
      `/admin/audiences/${encodeURIComponent(id)}/edit`,
      audienceForm(csrf, { name: 'Edited', withinDays: '60', reentry: 'per_timestamp' }),
      cookies,
    );
    expect(saved.status).toBe(303);
    expect((await (await api(`/api/audiences/${id}`)).json()) as any).toMatchObject({
      name: 'Edited',
      timestamp: { withinDays: 60 },
      reentry: 'per_timestamp',
    });
  });
});
