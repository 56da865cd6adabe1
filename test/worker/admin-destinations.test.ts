// The admin's destinations pages, through the Worker: forms map to /api/destinations, secrets are
// never shown again, the test event shows the fake platform's answer, every change is audited.
import { describe, expect, inject, it } from 'vitest';
import { api } from './helpers';
import { get, post, signIn } from './admin-helpers';
import { WORKER_FAKES } from '../fakes/worker-fakes';

const urls = inject('fakeUrls');

function idFrom(res: Response): string {
  const m = /\/admin\/destinations\/(dst_[0-9a-f]{16})\?done=created/.exec(res.headers.get('location') ?? '');
  if (!m) throw new Error(`no destination in ${res.headers.get('location')}`);
  return m[1]!;
}

describe('admin destinations', { timeout: 30_000 }, () => {
  it('creates a Meta destination from the form; the secret is masked everywhere after saving', async () => {
    const { cookies, csrf } = await signIn();
    const form = await (await get('/admin/destinations/new/meta', cookies)).text();
    expect(form).toContain('Events Manager'); // help: where to find the pixel id
    expect(form).toContain('name="settings.accessToken" type="password"');
    const res = await post(
      '/admin/destinations/new/meta',
      {
        _csrf: csrf,
        name: 'Meta <main>',
        mode: 'test',
        'settings.pixelId': WORKER_FAKES.meta.pixelId,
        'settings.accessToken': WORKER_FAKES.meta.accessToken,
        'settings.testEventCode': 'TEST123',
        endpoint: urls.meta,
      },
      cookies,
    );
    expect(res.status).toBe(303);
    const id = idFrom(res);
    const page = await (await get(`/admin/destinations/${id}?done=created`, cookies)).text();
    expect(page).toContain('Meta &lt;main&gt;');
    expect(page).not.toContain('<main>');
    expect(page).not.toContain(WORKER_FAKES.meta.accessToken);
    expect(page).toContain('****n-01');
    const edit = await (await get(`/admin/destinations/${id}/edit`, cookies)).text();
    expect(edit).not.toContain(WORKER_FAKES.meta.accessToken);
    expect(edit).toContain('Saved (****n-01): leave empty to keep it.');
    // The API lists it too: one index for both.
    const list = (await (await api('/api/destinations')).json()) as { destinations: { id: string }[] };
    expect(list.destinations.map((d) => d.id)).toContain(id);
    expect(await (await get('/admin/destinations', cookies)).text()).toContain(`/admin/destinations/${id}`);

    // Sending a test event shows the fake platform's answer.
    const test = await post(`/admin/destinations/${id}/test`, { _csrf: csrf, email: 'Tester@Example.com' }, cookies);
    expect(test.status).toBe(200);
    const html = await test.text();
    expect(html).toContain('<strong id="test-outcome">sent</strong>');
    expect(html).toContain('events_received');
    expect(html).toContain('TEST123');
    expect(html).not.toContain(WORKER_FAKES.meta.accessToken);
    expect(html).not.toContain('tester@example.com'); // hashed before sending
  });

  it('refuses invalid settings inline, naming the field, and never echoes a secret back', async () => {
    const { cookies, csrf } = await signIn();
    const res = await post(
      '/admin/destinations/new/meta',
      {
        _csrf: csrf,
        name: 'Bad',
        mode: 'dry_run',
        'settings.pixelId': 'abc',
        'settings.accessToken': 'EAA-typed-secret-value',
      },
      cookies,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="dst-pixelId-issues"');
    expect(html).toContain('pixelId is a number');
    expect(html).toContain('aria-invalid="true"');
    expect(html).not.toContain('EAA-typed-secret-value');
    expect(html).toContain('value="abc"');
    const missing = await post(
      '/admin/destinations/new/google_data_manager',
      { _csrf: csrf, name: 'G', mode: 'dry_run', 'settings.customerId': '123-456-7890' },
      cookies,
    );
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('id="dst-refreshToken-issues"');
    expect((await get('/admin/destinations/new/nope', cookies)).status).toBe(404);
    expect((await get('/admin/destinations/dst_0000000000000000', cookies)).status).toBe(404);
  });

  it('edits (an empty secret keeps the stored one), pauses and deletes; each change is in the audit log', async () => {
    const { cookies, csrf } = await signIn();
    const created = await post(
      '/admin/destinations/new/microsoft_ads',
      {
        _csrf: csrf,
        name: 'MS',
        mode: 'dry_run',
        'settings.customerId': '1111',
        'settings.accountId': '2222',
        'settings.conversionGoalName': 'MQL',
        'settings.developerToken': 'ms-dev-token-0001',
        'settings.clientId': 'ms-client',
        'settings.refreshToken': 'ms-refresh-000001',
      },
      cookies,
    );
    expect(created.status).toBe(303);
    const id = idFrom(created);
    const edited = await post(
      `/admin/destinations/${id}/edit`,
      {
        _csrf: csrf,
        name: 'MS renamed',
        mode: 'live',
        'settings.customerId': '1111',
        'settings.accountId': '2222',
        'settings.conversionGoalName': 'MQL',
        'settings.clientId': 'ms-client',
        'settings.developerToken': '',
        'settings.refreshToken': '',
      },
      cookies,
    );
    expect(edited.status).toBe(303);
    const view = (await (await api(`/api/destinations/${id}`)).json()) as {
      name: string;
      mode: string;
      settings: Record<string, string>;
    };
    expect(view).toMatchObject({
      name: 'MS renamed',
      mode: 'live',
      settings: { developerToken: '****', refreshToken: '****' },
    });
    expect((await post(`/admin/destinations/${id}/pause`, { _csrf: csrf, paused: 'true' }, cookies)).status).toBe(303);
    expect(await (await api(`/api/destinations/${id}`)).json()).toMatchObject({ paused: true });
    // Without the CSRF token nothing changes.
    expect((await post(`/admin/destinations/${id}/delete`, {}, cookies)).status).toBe(403);
    expect((await post(`/admin/destinations/${id}/delete`, { _csrf: csrf }, cookies)).status).toBe(303);
    expect((await api(`/api/destinations/${id}`)).status).toBe(404);
    const log = await (await get('/admin/change-log', cookies)).text();
    for (const action of ['destination.created', 'destination.edited', 'destination.paused', 'destination.deleted'])
      expect(log).toContain(action);
    expect(log).toContain('mode dry_run → live');
    expect(log).toContain('SECRET_KEY (environment)');
    expect(log).not.toContain('ms-dev-token-0001');
  });

  it('Reddit, TikTok and ChatGPT Ads forms say where each credential is; a test event from the admin reaches each fake in its test mode', async () => {
    const { cookies, csrf } = await signIn();
    const cases = [
      {
        type: 'reddit',
        help: 'Conversions API → Generate access token',
        fields: {
          'settings.pixelId': WORKER_FAKES.reddit.pixelId,
          'settings.accessToken': WORKER_FAKES.reddit.accessToken,
          'settings.testId': 't2_admin',
        },
        secret: WORKER_FAKES.reddit.accessToken,
        shows: 't2_admin',
      },
      {
        type: 'tiktok',
        help: 'Events API → Generate access token',
        fields: {
          'settings.pixelCode': WORKER_FAKES.tiktok.pixelCode,
          'settings.accessToken': WORKER_FAKES.tiktok.accessToken,
          'settings.testEventCode': 'TEST_ADMIN',
        },
        secret: WORKER_FAKES.tiktok.accessToken,
        shows: 'TEST_ADMIN',
      },
      {
        type: 'openai_ads',
        help: 'Manage conversion keys',
        fields: {
          'settings.pixelId': WORKER_FAKES.openai_ads.pixelId,
          'settings.apiKey': WORKER_FAKES.openai_ads.apiKey,
        },
        secret: WORKER_FAKES.openai_ads.apiKey,
        shows: 'validate_only',
      },
    ] as const;
    for (const c of cases) {
      const form = await (await get(`/admin/destinations/new/${c.type}`, cookies)).text();
      expect(form, c.type).toContain(c.help);
      expect(form, c.type).toContain(`name="${Object.keys(c.fields)[1]}" type="password"`);
      const res = await post(
        `/admin/destinations/new/${c.type}`,
        { _csrf: csrf, name: `${c.type} admin`, mode: 'dry_run', ...c.fields, endpoint: urls[c.type] },
        cookies,
      );
      expect(res.status, c.type).toBe(303);
      const id = idFrom(res);
      const test = await post(`/admin/destinations/${id}/test`, { _csrf: csrf, email: 'Tester@Example.com' }, cookies);
      const html = await test.text();
      expect(html, c.type).toContain('<strong id="test-outcome">sent</strong>');
      expect(html, c.type).toContain(c.shows);
      expect(html, c.type).not.toContain(c.secret);
      expect(html, c.type).not.toContain('tester@example.com');
    }
  });

  it('needs a session', async () => {
    expect((await get('/admin/destinations')).status).toBe(303);
    expect((await post('/admin/destinations/new/meta', { name: 'x' }, {})).status).toBe(401);
  });
});
