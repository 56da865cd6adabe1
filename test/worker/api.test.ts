import { describe, expect, it } from 'vitest';
import { api, call, PK } from './helpers';

describe('secret-key API', () => {
  it('refuses without a key or with a wrong one', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: 'Bearer sk_wrong' },
      { authorization: `Bearer ${PK}` },
      { authorization: 'Basic abc' },
    ]) {
      const res = await call('/api/install', { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('unauthorized');
    }
  });

  it('GET /api/install returns the publishable key, tag URL and a snippet that loads it', async () => {
    const res = await api('/api/install');
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.publishableKey).toBe('pk_dev_local');
    expect(body.tagUrl).toBe('http://collector.test/v1/tag.js');
    expect(body.snippet).toMatch(/^<script>/);
    expect(body.snippet).toContain('"pk_dev_local"');
    expect(body.snippet).toContain('"http://collector.test"');
    expect(body.snippet).not.toContain('__CB_');
  });

  it('GET /api/people/{email} is 404 for an unknown person and 400 for a non-email', async () => {
    expect((await api('/api/people/nobody%40example.com')).status).toBe(404);
    const bad = await api('/api/people/not-an-email');
    expect(bad.status).toBe(400);
  });
});

describe('public routes', () => {
  it('GET /healthz', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, version: expect.any(String) });
  });

  it('GET /v1/tag.js serves the built tag with an ETag', async () => {
    const res = await call('/v1/tag.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    const js = await res.text();
    expect(js).toContain('identify');
    const again = await call('/v1/tag.js', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('GET /v1/tag-send.js serves the sender tag.js loads, cached for good under the URL tag.js names', async () => {
    const tag = await (await call('/v1/tag.js')).text();
    const url = tag.match(/\/v1\/tag-send\.js\?v=[\da-f]+/)![0];
    const res = await call(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toContain('/v1/collect');
    const stale = await call('/v1/tag-send.js?v=0000');
    expect(stale.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('GET /demo serves a landing page with the snippet', async () => {
    const res = await call('/demo');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('clearbit.identify');
    expect(html).toContain('"pk_dev_local"');
  });

  it('unknown routes answer a JSON 404', async () => {
    const res = await call('/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('not_found');
  });
});
