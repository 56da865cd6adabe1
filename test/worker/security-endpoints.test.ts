// Custom endpoints cannot be used to exfiltrate a destination's credentials: refused unless the
// deployment allows them, IP literals and internal names refused in production, credentials entered
// again on every change, and redirects never followed.
import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DestinationObject } from '../../collector/objects/destination';
import { endpointIssue, endpointPolicy } from '../../collector/security/custom-endpoints';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { send } from './audiences-helpers';
import { api, env } from './helpers';

const urls = inject('fakeUrls');
const overrides = env as unknown as Record<string, string | undefined>;
const original = overrides.ALLOW_CUSTOM_ENDPOINTS;
afterEach(() => {
  overrides.ALLOW_CUSTOM_ENDPOINTS = original;
});

const meta = (endpoint?: string) => ({
  type: 'meta',
  name: 'Meta',
  mode: 'live',
  ...(endpoint ? { endpoint } : {}),
  settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
});
const google = (tokenEndpoint: string) => ({
  type: 'google_ads',
  name: 'Google',
  mode: 'live',
  endpoint: urls.google_ads,
  tokenEndpoint,
  settings: {
    customerId: '1234567890',
    conversionActionId: '555',
    clientId: 'g-client',
    clientSecret: WORKER_FAKES.google_ads.clientSecret,
    refreshToken: WORKER_FAKES.google_ads.refreshToken,
  },
});

describe('endpoint policy (collector/security/custom-endpoints.ts)', () => {
  it('reads ALLOW_CUSTOM_ENDPOINTS: unset refuses, true is production, local is local', () => {
    expect(endpointPolicy({})).toBe('off');
    expect(endpointPolicy({ ALLOW_CUSTOM_ENDPOINTS: 'yes' })).toBe('off');
    expect(endpointPolicy({ ALLOW_CUSTOM_ENDPOINTS: 'true' })).toBe('public');
    expect(endpointPolicy({ ALLOW_CUSTOM_ENDPOINTS: 'local' })).toBe('local');
  });

  it('in production refuses IP literals in every spelling, internal names, plain http and userinfo', () => {
    const refused = [
      'https://127.0.0.1',
      'https://10.0.0.8/x',
      'https://169.254.169.254/latest/meta-data',
      'https://2130706433',
      'https://0x7f.1',
      'https://0177.0.0.1',
      'https://[::1]',
      'https://[::ffff:127.0.0.1]',
      'https://localhost',
      'https://api.localhost',
      'https://metadata.internal',
      'https://printer.local',
      'https://intranet',
      'http://proxy.example.com',
      'https://user:pass@proxy.example.com',
      'ftp://proxy.example.com',
      'not a url',
    ];
    for (const u of refused) expect(endpointIssue(u, 'public'), u).not.toBeNull();
    for (const u of [
      'https://proxy.example.com',
      'https://eu.gateway.example.co.uk/meta',
      'https://graph.facebook.com.',
    ])
      expect(endpointIssue(u, 'public'), u).toBeNull();
    for (const u of ['http://127.0.0.1:9999', 'http://localhost:1234', 'https://proxy.example.com'])
      expect(endpointIssue(u, 'local'), u).toBeNull();
    for (const u of ['https://proxy.example.com', 'http://127.0.0.1:1'])
      expect(endpointIssue(u, 'off'), u).not.toBeNull();
  });
});

describe('custom endpoints through /api/destinations', { timeout: 30_000 }, () => {
  it('are refused unless the deployment allows them; the platform default still works', async () => {
    overrides.ALLOW_CUSTOM_ENDPOINTS = undefined;
    const res = await send('/api/destinations', 'POST', meta('https://proxy.example.com'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'custom_endpoint_not_allowed' } });
    const token = await send('/api/destinations', 'POST', google('https://tokens.example.com'));
    expect(token.status).toBe(400);
    expect((await send('/api/destinations', 'POST', meta())).status).toBe(201);
  });

  it('in production (true) refuse IP literals and loopback names, accept a public https host', async () => {
    overrides.ALLOW_CUSTOM_ENDPOINTS = 'true';
    for (const endpoint of [
      urls.meta,
      'https://169.254.169.254',
      'https://[::1]:8443',
      'https://localhost:8443',
      'http://proxy.example.com',
    ]) {
      const res = await send('/api/destinations', 'POST', meta(endpoint));
      expect(res.status, endpoint).toBe(400);
      expect(((await res.json()) as any).error.code, endpoint).toBe('custom_endpoint_not_allowed');
    }
    const ok = await send('/api/destinations', 'POST', meta('https://capi-proxy.example.com'));
    expect(ok.status).toBe(201);
    // A PATCH cannot move an allowed destination to an IP literal either, even with the credentials.
    const { id } = (await ok.json()) as { id: string };
    const moved = await send(`/api/destinations/${id}`, 'PATCH', {
      endpoint: 'https://192.168.1.10',
      settings: { accessToken: WORKER_FAKES.meta.accessToken },
    });
    expect(moved.status).toBe(400);
    expect(((await (await api(`/api/destinations/${id}`)).json()) as any).endpoint).toBe(
      'https://capi-proxy.example.com',
    );
  });

  it('changing endpoint or tokenEndpoint needs every credential again; leaving them out changes nothing', async () => {
    const created = await send('/api/destinations', 'POST', google(urls.google_ads));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const partial = await send(`/api/destinations/${id}`, 'PATCH', {
      tokenEndpoint: 'https://evil.example.com',
      settings: { clientSecret: 'typed-again-secret' },
    });
    expect(partial.status).toBe(400);
    const body = (await partial.json()) as any;
    expect(body.error.code).toBe('credentials_required');
    expect(body.error.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['settings.refreshToken']);
    const clear = await send(`/api/destinations/${id}`, 'PATCH', { endpoint: null });
    expect(clear.status).toBe(400);
    const after = (await (await api(`/api/destinations/${id}`)).json()) as any;
    expect(after).toMatchObject({ endpoint: urls.google_ads, tokenEndpoint: urls.google_ads });
    const both = await send(`/api/destinations/${id}`, 'PATCH', {
      tokenEndpoint: 'https://tokens.example.com',
      settings: { clientSecret: 'typed-again-secret', refreshToken: 'typed-again-refresh' },
    });
    expect(both.status).toBe(200);
  });
});

describe('redirects are never followed', { timeout: 30_000 }, () => {
  /** Saves the destination, then sends a test event through a fetch that answers every request with a redirect. */
  async function redirectedSend(
    destination: Record<string, unknown>,
    status: number,
    location: string,
    touches: { kind: string; value: string; firstSeen: number }[],
  ) {
    const created = await send('/api/destinations', 'POST', destination);
    const { id } = (await created.json()) as { id: string };
    const stub = env.DESTINATION.get(env.DESTINATION.idFromName(id));
    return runInDurableObject(stub, async (obj: DestinationObject) => {
      const calls: { url: string; redirect: string | undefined }[] = [];
      obj.fetchImpl = async (input, init) => {
        calls.push({ url: String(input), redirect: init?.redirect });
        return new Response(null, { status, headers: { location } });
      };
      const r = await obj.sendTest({
        id: crypto.randomUUID().replaceAll('-', ''),
        eventTime: Math.floor(Date.now() / 1000),
        email: 'redirect@example.com',
        touches,
        devices: [],
        attributes: {},
        conversion: {},
      });
      return { calls, r };
    });
  }

  it('a 3xx from the platform (or a proxy) fails the send; the Location is never requested', async () => {
    const seen = await redirectedSend(
      { ...meta(urls.meta), mode: 'test', settings: { ...meta().settings, testEventCode: 'TEST1' } },
      307,
      'https://attacker.example/collect',
      [],
    );
    expect(seen.calls).toHaveLength(1);
    expect(seen.calls[0]!.url.startsWith(urls.meta)).toBe(true);
    expect(seen.calls[0]!.redirect).toBe('manual');
    expect(seen.r).toMatchObject({
      ok: true,
      value: { outcome: { status: 'error', failure: { class: 'permanent', error: { code: 'HTTP_307' } } } },
    });
  });

  it('the OAuth token request does not follow redirects either', async () => {
    const seen = await redirectedSend(google(urls.google_ads), 302, 'https://attacker.example/token', [
      { kind: 'gclid', value: 'Cj0KCQiA_redirect', firstSeen: Date.now() - 60_000 },
    ]);
    expect(seen.calls).toHaveLength(1);
    expect(seen.calls[0]!.redirect).toBe('manual');
    expect(seen.calls.some((c) => c.url.includes('attacker'))).toBe(false);
    expect(JSON.stringify(seen.r)).toMatch(/redirect/);
  });
});
