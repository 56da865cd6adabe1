// The admin's Sources pages through the Worker: connect form (validation shown, token never shown
// again), status and counts, the field picker filled from HubSpot's property list, sync now, pause,
// delete; every change audited.
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { cookieHeader, form as form2, get, ORIGIN, post, signIn } from './admin-helpers';
import { api, call } from './helpers';
import { sourceWaits } from './sources-helpers';

const HUBSPOT = inject('hubspotUrl');
const H = WORKER_FAKES.hubspot;
const ACCT = `admin-${Date.now().toString(36)}`;

const { until } = sourceWaits(60_000);

describe('admin sources', { timeout: 120_000 }, () => {
  it('connect form: a missing token is shown as an error; a token is stored masked and never shown', async () => {
    const { cookies, csrf } = await signIn();
    const page = await (await get('/admin/sources', cookies)).text();
    expect(page).toContain('Connect HubSpot');
    expect(page).toContain('crm.objects.contacts.read');
    const bad = await post(
      '/admin/sources/new/hubspot',
      { _csrf: csrf, name: 'HS', accessToken: '', backfillDays: '30' },
      cookies,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('the source is not valid');
    const ok = await post(
      '/admin/sources/new/hubspot',
      { _csrf: csrf, name: 'HS <main>', accessToken: 'pat-na1-admin-form-token-9999', backfillDays: '30' },
      cookies,
    );
    expect(ok.status).toBe(303);
    const loc = ok.headers.get('location')!;
    const id = /src_[0-9a-f]{16}/.exec(loc)![0];
    const detail = await (await get(loc, cookies)).text();
    expect(detail).toContain('HS &lt;main&gt;');
    expect(detail).not.toContain('pat-na1-admin-form-token-9999');
    expect(detail).toContain('****9999');
    expect((await post(`/admin/sources/${id}/delete`, { _csrf: csrf }, cookies)).status).toBe(303);
    expect((await api(`/api/sources/${id}`)).status).toBe(404);
    // Without the CSRF token nothing changes.
    expect(
      (await post('/admin/sources/new/hubspot', { name: 'x', accessToken: 'pat-na1-admin-form-token-0000' }, cookies))
        .status,
    ).toBe(403);
  });

  it('status, field picker from HubSpot, sync now, pause and resume', async () => {
    const { cookies, csrf } = await signIn();
    await fetch(`${HUBSPOT}/__fake/control`, {
      method: 'POST',
      body: JSON.stringify({
        account: ACCT,
        action: 'upsert',
        contacts: [{ email: `a.${ACCT}@example.com`, properties: { lifecyclestage: 'lead' } }],
      }),
    });
    const res = await api('/api/sources', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'hubspot',
        name: 'Admin HS',
        settings: { accessToken: H.privateToken, endpoint: `${HUBSPOT}/acct/${ACCT}` },
      }),
    });
    const { id } = (await res.json()) as { id: string };
    await until(
      () => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>),
      (s) => !!s.lastRun,
      'first sync',
    );
    const detail = await (await get(`/admin/sources/${id}`, cookies)).text();
    expect(detail).toContain('1 read, 1 applied, 0 rejected, 0 suppressed');
    expect(detail).toContain(`/sources/hubspot/${id}/webhook`);
    const picker = await (await get(`/admin/sources/${id}?fields=1`, cookies)).text();
    expect(picker).toContain('value="num_employees"');
    expect(picker).toMatch(/value="lifecyclestage" checked/);
    expect(
      (await post(`/admin/sources/${id}/fields`, { _csrf: csrf, properties: 'lifecyclestage' }, cookies)).status,
    ).toBe(303);
    const saved = (await (await api(`/api/sources/${id}`)).json()) as any;
    expect(saved.settings.properties).toEqual(['email', 'lifecyclestage']);
    expect((await post(`/admin/sources/${id}/pause`, { _csrf: csrf, paused: 'true' }, cookies)).status).toBe(303);
    expect(((await (await api(`/api/sources/${id}`)).json()) as any).status).toBe('paused');
    expect((await post(`/admin/sources/${id}/pause`, { _csrf: csrf, paused: 'false' }, cookies)).status).toBe(303);
    expect((await post(`/admin/sources/${id}/sync`, { _csrf: csrf }, cookies)).status).toBe(303);
    const audit = await (await get('/admin/change-log', cookies)).text();
    expect(audit).toContain('source.paused');
    expect(audit).toContain('source.edited');
  });
});

describe('admin sources: HubSpot OAuth connect flow', { timeout: 120_000 }, () => {
  it('connect → HubSpot authorize (state) → callback stores the refresh token in a new source that syncs; a state is single use', async () => {
    const acct = `${ACCT}-oauth`;
    const { cookies, csrf } = await signIn();
    const form = await (await get('/admin/sources/hubspot/connect', cookies)).text();
    expect(form).toContain('/sources/hubspot/callback');
    const start = await post(
      '/admin/sources/hubspot/connect',
      {
        _csrf: csrf,
        name: 'OAuth HS',
        clientId: H.clientId,
        clientSecret: H.clientSecret,
        backfillDays: 'all',
        endpoint: `${HUBSPOT}/acct/${acct}`,
      },
      cookies,
    );
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(authorize.searchParams.get('client_id')).toBe(H.clientId);
    expect(authorize.searchParams.get('scope')).toContain('crm.objects.contacts.read');
    const state = authorize.searchParams.get('state')!;
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    // The user approves in HubSpot: it issues a code for that redirect URI.
    await fetch(`${HUBSPOT}/__fake/control`, {
      method: 'POST',
      body: JSON.stringify({ account: acct, action: 'authorize', code: 'code-123', redirectUri }),
    });
    await fetch(`${HUBSPOT}/__fake/control`, {
      method: 'POST',
      body: JSON.stringify({ account: acct, action: 'upsert', contacts: [{ email: `oauth.${acct}@example.com` }] }),
    });
    const cb = await call(`${new URL(redirectUri).pathname}?code=code-123&state=${state}`);
    const html = await cb.text();
    expect(cb.status, html).toBe(200);
    const id = /src_[0-9a-f]{16}/.exec(html)![0];
    const synced = await until(
      () => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>),
      (s) => !!s.lastRun,
      'first sync',
    );
    expect(synced.lastRun).toMatchObject({ applied: 1 });
    expect(synced.settings).toMatchObject({ clientId: H.clientId, refreshToken: expect.stringMatching(/^\*{4}/) });
    // Replaying the callback (same state) is refused.
    expect((await call(`${new URL(redirectUri).pathname}?code=code-123&state=${state}`)).status).toBe(400);
    expect((await call(`/sources/hubspot/callback?code=x&state=${'0'.repeat(32)}`)).status).toBe(400);
  });
});

describe('admin sources: Salesforce', { timeout: 300_000 }, () => {
  const SF = inject('salesforceUrl');
  const S = WORKER_FAKES.salesforce;
  const control = (org: string, body: Record<string, unknown>) =>
    fetch(`${SF}/org/${org}/__control`, { method: 'POST', body: JSON.stringify(body) });

  it('connect form (client credentials): errors shown, secret masked, field picker from the org’s describe saved per object', async () => {
    const org = `${ACCT}-sf-form`;
    await control(org, {
      action: 'insert',
      object: 'Lead',
      values: { Email: `f.${org}@example.com`, LastName: 'F', Status: 'Open' },
    });
    const { cookies, csrf } = await signIn();
    const page = await (await get('/admin/sources', cookies)).text();
    expect(page).toContain('Connect Salesforce');
    expect(page).toContain('/sources/salesforce/callback');
    const form = {
      _csrf: csrf,
      name: 'SF form',
      clientId: S.clientId,
      clientSecret: S.clientSecret,
      objects: 'Lead',
      backfillDays: 'all',
      endpoint: `${SF}/org/${org}`,
    };
    const bad = await post(
      '/admin/sources/new/salesforce',
      { ...form, instanceUrl: 'https://acme.example.com' },
      cookies,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('instanceUrl');
    const ok = await post(
      '/admin/sources/new/salesforce',
      { ...form, instanceUrl: 'https://acme.my.salesforce.com' },
      cookies,
    );
    expect(ok.status).toBe(303);
    const id = /src_[0-9a-f]{16}/.exec(ok.headers.get('location')!)![0];
    const created = await until(
      () => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>),
      (s) => !!s.lastRun,
      'first sync',
    );
    expect(created.settings).toMatchObject({
      flow: 'client_credentials',
      objects: ['Lead'],
      clientSecret: expect.stringMatching(/^\*{4}/),
    });
    expect(created.lastRun).toMatchObject({ applied: 1 });
    const detail = await (await get(`/admin/sources/${id}?fields=1`, cookies)).text();
    expect(detail).not.toContain(S.clientSecret);
    expect(detail).toContain('value="Lead.Status"');
    expect(detail).toMatch(/Lead\.ConvertedDate<\/code> <span class="muted">date/);
    const picked = form2({ _csrf: csrf });
    for (const f of ['Lead.Status', 'Lead.NumberOfEmployees']) picked.append('properties', f);
    const save = await call(`/admin/sources/${id}/fields`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie: cookieHeader(cookies) },
      body: picked,
    });
    expect(save.status).toBe(303);
    const saved = await api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>);
    expect(saved.settings.fields).toEqual({ Lead: ['Status', 'NumberOfEmployees'] });
  });

  it('OAuth: connect → Salesforce authorize page → callback stores the refresh token in a new source that syncs; state and code are single use', async () => {
    const org = `${ACCT}-sf-oauth`;
    const { cookies, csrf } = await signIn();
    const form = await (await get('/admin/sources/salesforce/connect', cookies)).text();
    expect(form).toContain('/sources/salesforce/callback');
    const start = await post(
      '/admin/sources/salesforce/connect',
      {
        _csrf: csrf,
        name: 'OAuth SF',
        instanceUrl: 'https://acme.my.salesforce.com',
        clientId: S.clientId,
        clientSecret: S.clientSecret,
        objects: 'Lead',
        backfillDays: 'all',
        endpoint: `${SF}/org/${org}`,
      },
      cookies,
    );
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${SF}/org/${org}/services/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: S.clientId,
      scope: 'api refresh_token',
    });
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    const state = authorize.searchParams.get('state')!;
    // The connected app's callback URL is the collector's; Salesforce refuses any other.
    expect((await fetch(authorize)).status).toBe(400);
    await control(org, { action: 'callbackUrl', url: redirectUri });
    const consent = await fetch(authorize);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('Allow');
    await control(org, {
      action: 'insert',
      object: 'Lead',
      values: { Email: `oauth.${org}@example.com`, LastName: 'O', Status: 'Open' },
    });
    const allow = await fetch(`${SF}/org/${org}/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), decision: 'allow' }),
    });
    expect(allow.status).toBe(302);
    const back = new URL(allow.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe(state);
    const cb = await call(`${back.pathname}${back.search}`);
    const html = await cb.text();
    expect(cb.status, html).toBe(200);
    const id = /src_[0-9a-f]{16}/.exec(html)![0];
    const synced = await until(
      () => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>),
      (s) => !!s.lastRun,
      'first sync',
    );
    expect(synced.lastRun).toMatchObject({ applied: 1 });
    expect(synced.settings).toMatchObject({
      clientId: S.clientId,
      refreshToken: expect.stringMatching(/^\*{4}/),
      objects: ['Lead'],
    });
    // Replaying the callback: the state is spent (and so is the code).
    expect((await call(`${back.pathname}${back.search}`)).status).toBe(400);
    expect((await call(`/sources/salesforce/callback?code=x&state=${'0'.repeat(32)}`)).status).toBe(400);
  });
});
