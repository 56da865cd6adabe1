// The admin's Sources pages through the Worker: connect form (validation shown, token never shown
// again), status and counts, the field picker filled from HubSpot's property list, sync now, pause,
// delete; every change audited.
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { get, post, signIn } from './admin-helpers';
import { api, call } from './helpers';

const HUBSPOT = inject('hubspotUrl');
const H = WORKER_FAKES.hubspot;
const ACCT = `admin-${Date.now().toString(36)}`;

async function until<V>(read: () => Promise<V>, ok: (v: V) => boolean, what: string): Promise<V> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('admin sources', { timeout: 120_000 }, () => {
  it('connect form: a missing token is shown as an error; a token is stored masked and never shown', async () => {
    const { cookies, csrf } = await signIn();
    const page = await (await get('/admin/sources', cookies)).text();
    expect(page).toContain('Connect HubSpot');
    expect(page).toContain('crm.objects.contacts.read');
    const bad = await post('/admin/sources/new/hubspot', { _csrf: csrf, name: 'HS', accessToken: '', backfillDays: '30' }, cookies);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('the source is not valid');
    const ok = await post('/admin/sources/new/hubspot', { _csrf: csrf, name: 'HS <main>', accessToken: 'pat-na1-admin-form-token-9999', backfillDays: '30' }, cookies);
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
    expect((await post('/admin/sources/new/hubspot', { name: 'x', accessToken: 'pat-na1-admin-form-token-0000' }, cookies)).status).toBe(403);
  });

  it('status, field picker from HubSpot, sync now, pause and resume', async () => {
    const { cookies, csrf } = await signIn();
    await fetch(`${HUBSPOT}/__fake/control`, { method: 'POST', body: JSON.stringify({ account: ACCT, action: 'upsert', contacts: [{ email: `a.${ACCT}@example.com`, properties: { lifecyclestage: 'lead' } }] }) });
    const res = await api('/api/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'hubspot', name: 'Admin HS', settings: { accessToken: H.privateToken, endpoint: `${HUBSPOT}/acct/${ACCT}` } }) });
    const { id } = (await res.json()) as { id: string };
    await until(() => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>), (s) => !!s.lastRun, 'first sync');
    const detail = await (await get(`/admin/sources/${id}`, cookies)).text();
    expect(detail).toContain('1 read, 1 applied, 0 rejected, 0 suppressed');
    expect(detail).toContain(`/sources/hubspot/${id}/webhook`);
    const picker = await (await get(`/admin/sources/${id}?fields=1`, cookies)).text();
    expect(picker).toContain('value="num_employees"');
    expect(picker).toMatch(/value="lifecyclestage" checked/);
    expect((await post(`/admin/sources/${id}/fields`, { _csrf: csrf, properties: 'lifecyclestage' }, cookies)).status).toBe(303);
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
    const start = await post('/admin/sources/hubspot/connect', { _csrf: csrf, name: 'OAuth HS', clientId: H.clientId, clientSecret: H.clientSecret, backfillDays: 'all', endpoint: `${HUBSPOT}/acct/${acct}` }, cookies);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(authorize.searchParams.get('client_id')).toBe(H.clientId);
    expect(authorize.searchParams.get('scope')).toContain('crm.objects.contacts.read');
    const state = authorize.searchParams.get('state')!;
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    // The user approves in HubSpot: it issues a code for that redirect URI.
    await fetch(`${HUBSPOT}/__fake/control`, { method: 'POST', body: JSON.stringify({ account: acct, action: 'authorize', code: 'code-123', redirectUri }) });
    await fetch(`${HUBSPOT}/__fake/control`, { method: 'POST', body: JSON.stringify({ account: acct, action: 'upsert', contacts: [{ email: `oauth.${acct}@example.com` }] }) });
    const cb = await call(`${new URL(redirectUri).pathname}?code=code-123&state=${state}`);
    const html = await cb.text();
    expect(cb.status, html).toBe(200);
    const id = /src_[0-9a-f]{16}/.exec(html)![0];
    const synced = await until(() => api(`/api/sources/${id}`).then((r) => r.json() as Promise<any>), (s) => !!s.lastRun, 'first sync');
    expect(synced.lastRun).toMatchObject({ applied: 1 });
    expect(synced.settings).toMatchObject({ clientId: H.clientId, refreshToken: expect.stringMatching(/^\*{4}/) });
    // Replaying the callback (same state) is refused.
    expect((await call(`${new URL(redirectUri).pathname}?code=code-123&state=${state}`)).status).toBe(400);
    expect((await call(`/sources/hubspot/callback?code=x&state=${'0'.repeat(32)}`)).status).toBe(400);
  });
});
