// Install → allowed origins (stored in the ConfigObject, honoured by /v1/collect at once) and the
// audit log that every admin change writes (who, what, when; never a secret or an erased address).
import { describe, expect, it } from 'vitest';
import { api, collect, identifyEvent, PK } from './helpers';
import { get, post, signIn } from './admin-helpers';
import { call } from './helpers';

const SHOP = 'https://shop.example.com';

describe('admin allowed origins', { timeout: 30_000 }, () => {
  it('adds an origin the publishable key then accepts, and refuses bad input inline', async () => {
    const { cookies, csrf } = await signIn();
    expect(
      (await collect({ key: PK, events: [identifyEvent('origin.test@example.com')] }, { origin: SHOP })).status,
    ).toBe(403);
    const bad = await post('/admin/install/origins', { _csrf: csrf, origins: `${SHOP}\njavascript:alert(1)` }, cookies);
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Not an origin: javascript:alert(1)');
    expect(badHtml).toContain(`${SHOP}\njavascript:alert(1)</textarea>`);

    const ok = await post(
      '/admin/install/origins',
      { _csrf: csrf, origins: `${SHOP}/\nhttps://*.example.org` },
      cookies,
    );
    expect(ok.status).toBe(303);
    const page = await (await get('/admin/install?done=origins', cookies)).text();
    expect(page).toContain(`${SHOP}\nhttps://*.example.org</textarea>`);
    expect(page).toContain('Allowed origins saved.');
    expect(
      (await collect({ key: PK, events: [identifyEvent('origin.test@example.com')] }, { origin: SHOP })).status,
    ).toBe(200);
    const preflight = await call('/v1/collect', { method: 'OPTIONS', headers: { origin: 'https://www.example.org' } });
    expect(preflight.status).toBe(204);

    // Removing it stops it again; the environment's origins are untouched.
    expect((await post('/admin/install/origins', { _csrf: csrf, origins: '' }, cookies)).status).toBe(303);
    expect(
      (await collect({ key: PK, events: [identifyEvent('origin.test@example.com')] }, { origin: SHOP })).status,
    ).toBe(403);
    expect((await collect({ key: PK, events: [identifyEvent('origin.test@example.com')] })).status).toBe(200);
  });

  it('refuses a change without the CSRF token or from another site', async () => {
    const { cookies, csrf } = await signIn();
    expect((await post('/admin/install/origins', { origins: SHOP }, cookies)).status).toBe(403);
    expect(
      (
        await post('/admin/install/origins', { _csrf: csrf, origins: SHOP }, cookies, {
          origin: 'https://evil.example',
        })
      ).status,
    ).toBe(403);
    expect((await post('/admin/install/origins', { _csrf: csrf, origins: SHOP }, {})).status).toBe(401);
    expect(
      (await collect({ key: PK, events: [identifyEvent('origin.test@example.com')] }, { origin: SHOP })).status,
    ).toBe(403);
  });
});

describe('admin audit log', { timeout: 30_000 }, () => {
  it('records keys, origins, audiences, conversions, uploads and erasure with who and when, escaped', async () => {
    const { cookies, csrf } = await signIn();
    const key = await post('/admin/keys/secret', { _csrf: csrf, name: 'Ops <b>bold</b>', scope: 'admin' }, cookies);
    const secret = /id="new-key"[^>]*value="([^"]+)"/.exec(await key.text())![1]!;
    await post('/admin/install/origins', { _csrf: csrf, origins: SHOP }, cookies);
    const audience = await post(
      '/admin/audiences/new',
      {
        _csrf: csrf,
        name: 'Audit audience',
        criteria: JSON.stringify({ all: [{ field: 'crm.stage', op: 'eq', value: 'sql' }] }),
        timestampField: 'crm.sql_at',
        withinDays: '30',
        reentry: 'once',
      },
      cookies,
    );
    expect(audience.status).toBe(303);
    const audiencePath = new URL(audience.headers.get('location')!, 'http://x').pathname;
    const dst = await api('/api/destinations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'meta',
        name: 'Audit test',
        mode: 'dry_run',
        settings: { pixelId: '4242', accessToken: 'EAA-audit-token' },
      }),
    });
    expect(dst.status).toBe(201);
    const dstId = ((await dst.json()) as { id: string }).id;
    expect(
      (await post(`${audiencePath}/conversions`, { _csrf: csrf, destinationId: dstId, sendExisting: 'on' }, cookies))
        .status,
    ).toBe(303);
    await collect({ key: PK, events: [identifyEvent('erase.me@example.com')] });
    expect(
      (
        await post(
          '/admin/people/erase.me%40example.com/erase',
          { _csrf: csrf, confirm: 'erase.me@example.com' },
          cookies,
        )
      ).status,
    ).toBe(303);
    const fd = new FormData();
    fd.set('_csrf', csrf);
    fd.set('source', 'crm');
    fd.set('file', new File(['email,stage\nup.load@example.com,sql\n'], 'people.csv', { type: 'text/csv' }));
    const upload = await call('/admin/people/upload', {
      method: 'POST',
      headers: { origin: 'http://collector.test', cookie: `__Secure-cb_admin=${cookies['__Secure-cb_admin']}` },
      body: fd,
    });
    expect(upload.status).toBe(202);

    // A second admin, signed in with the new key, is named by that key.
    const other = await signIn(secret, '198.51.100.99');
    expect((await post('/admin/install/origins', { _csrf: other.csrf, origins: '' }, other.cookies)).status).toBe(303);

    const html = await (await get('/admin/change-log', cookies)).text();
    for (const action of [
      'key.created',
      'origins.changed',
      'audience.created',
      'conversion.on',
      'person.erased',
      'people.uploaded',
    ])
      expect(html).toContain(`<code class="nowrap">${action}</code>`);
    expect(html).toContain(`added ${SHOP}`);
    expect(html).toContain(`removed ${SHOP}`);
    expect(html).toContain('Ops &lt;b&gt;bold&lt;/b&gt; (sk_...');
    expect(html).toContain('SECRET_KEY (environment) · session ');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain(secret);
    expect(html).not.toContain('erase.me@example.com');
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    // Newest first.
    expect(html.indexOf('removed https://shop')).toBeLessThan(html.indexOf('people.uploaded'));
  });

  it('is behind the session', async () => {
    expect((await get('/admin/change-log')).status).toBe(303);
  });

  it('answers at its first address, /admin/audit, with a redirect that keeps the page', async () => {
    const { cookies } = await signIn();
    const r = await get('/admin/audit?before=42', cookies);
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('/admin/change-log?before=42');
  });
});
