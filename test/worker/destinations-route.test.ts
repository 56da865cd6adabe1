// /api/destinations through the Worker itself: mounted under /api with the admin key.
import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';

const urls = inject('fakeUrls');
const req = (path: string, method = 'GET', body?: unknown, key = 'sk_dev_local') =>
  exports.default.fetch(
    new Request(`http://collector.test${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

const meta = {
  type: 'meta',
  name: 'Meta pixel',
  mode: 'test',
  endpoint: urls.meta,
  settings: {
    pixelId: WORKER_FAKES.meta.pixelId,
    accessToken: WORKER_FAKES.meta.accessToken,
    testEventCode: 'TEST777',
  },
};

// The first request of a fresh workerd loads the whole app: slow on a loaded machine.
describe('/api/destinations', { timeout: 30_000 }, () => {
  it('refuses without the admin key', async () => {
    expect((await req('/api/destinations', 'POST', meta, 'sk_wrong')).status).toBe(401);
    expect((await req('/api/destinations', 'POST', meta, 'pk_dev_local')).status).toBe(401);
  });

  it('creates a destination with secrets masked, reads it, and sends one test event', async () => {
    const res = await req('/api/destinations', 'POST', meta);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; settings: Record<string, string>; mode: string; name: string };
    expect(created).toMatchObject({
      name: 'Meta pixel',
      mode: 'test',
      settings: { accessToken: '****n-01', pixelId: WORKER_FAKES.meta.pixelId },
    });
    expect(JSON.stringify(created)).not.toContain(WORKER_FAKES.meta.accessToken);
    expect(await (await req(`/api/destinations/${created.id}`)).json()).toMatchObject({ id: created.id, type: 'meta' });
    const test = await req(`/api/destinations/${created.id}/test`, 'POST', {
      email: 'Tester@Example.com',
      touches: [{ kind: 'fbclid', value: 'IwAR_route_test' }],
    });
    expect(test.status).toBe(200);
    const t = (await test.json()) as {
      outcome: { status: string };
      request: { url: string; body: { test_event_code: string; data: { user_data: { fbc: string } }[] } };
      sent: boolean;
    };
    expect(t).toMatchObject({ sent: true, outcome: { status: 'sent' } });
    expect(t.request.body.test_event_code).toBe('TEST777');
    expect(t.request.body.data[0]!.user_data.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR_route_test$/);
    expect(t.request.url).toContain('access_token=[REDACTED]');
  });

  it('PATCH keeps stored secrets, but an endpoint change needs them again', async () => {
    const { id } = (await (await req('/api/destinations', 'POST', { ...meta, mode: 'live' })).json()) as { id: string };
    const renamed = await req(`/api/destinations/${id}`, 'PATCH', { name: 'Renamed', mode: 'dry_run' });
    expect(await renamed.json()).toMatchObject({
      name: 'Renamed',
      mode: 'dry_run',
      settings: { accessToken: '****n-01' },
    });
    const moved = await req(`/api/destinations/${id}`, 'PATCH', { endpoint: 'https://proxy.example' });
    expect(moved.status).toBe(400);
    expect(await moved.json()).toMatchObject({
      error: { code: 'credentials_required', issues: [{ path: ['settings', 'accessToken'] }] },
    });
    const ok = await req(`/api/destinations/${id}`, 'PATCH', {
      endpoint: 'https://proxy.example',
      settings: { accessToken: 'EAA-new-token-entered' },
    });
    expect(await ok.json()).toMatchObject({ endpoint: 'https://proxy.example' });
  });

  it('answers clear errors: invalid body, unknown id, bad status filter, nothing to retry', async () => {
    const bad = await req('/api/destinations', 'POST', { type: 'meta', name: 'x', settings: { pixelId: 'abc' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: 'invalid_destination',
        issues: expect.arrayContaining([expect.objectContaining({ path: 'settings.pixelId' })]),
      },
    });
    expect((await req('/api/destinations/dst_0000000000000000')).status).toBe(404);
    expect((await req('/api/destinations/nope')).status).toBe(404);
    const { id } = (await (await req('/api/destinations', 'POST', meta)).json()) as { id: string };
    expect((await req(`/api/destinations/${id}/conversions?status=weird`)).status).toBe(400);
    expect(await (await req(`/api/destinations/${id}/conversions`)).json()).toEqual({ conversions: [], next: null });
    const retry = await req(`/api/destinations/${id}/conversions/${'a'.repeat(32)}/retry`, 'POST');
    expect(retry.status).toBe(404);
    expect(await retry.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(await (await req(`/api/destinations/${id}`, 'DELETE')).json()).toEqual({
      cancelled: 0,
      conversionsTurnedOff: [],
    });
    expect((await req(`/api/destinations/${id}`)).status).toBe(404);
  });

  it('refuses a Google Ads API version Google has sunset with a clear 400, and defaults to the tested one', async () => {
    const g = WORKER_FAKES.google_ads;
    const ads = (apiVersion?: string) => ({
      type: 'google_ads',
      name: 'Ads',
      settings: {
        customerId: g.customerId,
        conversionActionId: '555',
        clientId: g.clientId,
        clientSecret: g.clientSecret,
        refreshToken: g.refreshToken,
        ...(apiVersion ? { apiVersion } : {}),
      },
    });
    const old = await req('/api/destinations', 'POST', ads('v20'));
    expect(old.status).toBe(400);
    const body = (await old.json()) as { error: { code: string; issues: { path: string; message: string }[] } };
    expect(body.error.code).toBe('invalid_destination');
    expect(body.error.issues[0]).toMatchObject({
      path: 'settings.apiVersion',
      message: expect.stringMatching(/sunset .*v20 on 2026-06-10; use one of v23, v24, v25, v26/),
    });
    const made = await req('/api/destinations', 'POST', ads());
    expect(made.status).toBe(201);
    const { id, settings } = (await made.json()) as { id: string; settings: { apiVersion: string } };
    expect(settings.apiVersion).toBe('v25');
    const patched = await req(`/api/destinations/${id}`, 'PATCH', { settings: { apiVersion: 'v21' } });
    expect(patched.status).toBe(400);
    expect(JSON.stringify(await patched.json())).toContain('apiVersion');
  });
});
