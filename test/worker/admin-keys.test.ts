import { describe, expect, it } from 'vitest';
import { call } from './helpers';
import { cookiesOf, get, openSignIn, post, signIn } from './admin-helpers';

function keyOf(html: string): string {
  return (
    /id="new-key" type="text" readonly="" value="([^"]+)"/.exec(html)?.[1] ??
    /id="new-key"[^>]*value="([^"]+)"/.exec(html)![1]
  );
}

async function signInWith(key: string, ip: string) {
  const pre = await openSignIn(ip);
  return post('/admin/sign-in', { _csrf: pre.csrf, key, next: '/admin/keys' }, pre.cookies, { 'cf-connecting-ip': ip });
}

function bearer(key: string) {
  return call('/api/install', { headers: { authorization: `Bearer ${key}` } });
}

describe('admin API keys', { timeout: 30_000 }, () => {
  it('creates keys shown once; only admin-scoped secret keys can sign in', async () => {
    const { cookies, csrf } = await signIn();
    const ingest = await post('/admin/keys/secret', { _csrf: csrf, name: 'CRM <sync>', scope: 'ingest' }, cookies);
    expect(ingest.status).toBe(201);
    const ingestHtml = await ingest.text();
    const ingestKey = keyOf(ingestHtml);
    expect(ingestKey).toMatch(/^sk_/);
    expect(ingestHtml).toContain('CRM &lt;sync&gt;');
    expect((await signInWith(ingestKey, '192.0.2.31')).status).toBe(401);
    // The listing shows a hint, never the key.
    const listing = await (await get('/admin/keys', cookies)).text();
    expect(listing).not.toContain(ingestKey);
    expect(listing).toContain(`${ingestKey.slice(0, 3)}...${ingestKey.slice(-4)}`);

    const admin = await post('/admin/keys/secret', { _csrf: csrf, name: 'Ops', scope: 'admin' }, cookies);
    const adminKey = keyOf(await admin.text());
    const signedIn = await signInWith(adminKey, '192.0.2.32');
    expect(signedIn.status).toBe(303);
    const session = { '__Secure-cb_admin': cookiesOf(signedIn)['__Secure-cb_admin']! };
    const page = await get('/admin/keys', session);
    expect(page.status).toBe(200);
    const ownCsrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];

    // Revoking the key a session was opened with ends that session.
    const id = /\/admin\/keys\/(key_[^/"]+)\/revoke/.exec(
      await (await get('/admin/keys', session)).text().then((h) => h.slice(h.indexOf('Ops'))),
    )![1];
    const confirm = await (await get(`/admin/keys/${id}/revoke`, session)).text();
    expect(confirm).toContain('You signed in with this key');
    expect((await post(`/admin/keys/${id}/revoke`, { _csrf: ownCsrf }, session)).status).toBe(303);
    expect((await get('/admin/keys', session)).status).toBe(303);
    expect((await bearer(adminKey)).status).toBe(401);
  });

  it('refuses bad origins inline and keeps what was typed', async () => {
    const { cookies, csrf } = await signIn();
    const bad = await post(
      '/admin/keys/publishable',
      { _csrf: csrf, origins: 'https://ok.example.com\njavascript:alert(1)' },
      cookies,
    );
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Not an origin: javascript:alert(1)');
    expect(html).toContain('https://ok.example.com\njavascript:alert(1)</textarea>');
    const good = await post(
      '/admin/keys/publishable',
      { _csrf: csrf, name: 'Site', origins: 'https://www.example.com, https://*.example.com/' },
      cookies,
    );
    expect(good.status).toBe(201);
    expect(keyOf(await good.text())).toMatch(/^pk_/);
    expect(await (await get('/admin/keys', cookies)).text()).toContain(
      'https://www.example.com, https://*.example.com',
    );
  });

  it('rotates: a replacement with the same scope, and the old key stops at once', async () => {
    const { cookies, csrf } = await signIn();
    const created = keyOf(
      await (await post('/admin/keys/secret', { _csrf: csrf, name: 'Rotate me', scope: 'admin' }, cookies)).text(),
    );
    expect((await bearer(created)).status).toBe(200);
    const listing = await (await get('/admin/keys', cookies)).text();
    const id = /\/admin\/keys\/(key_[^/"]+)\/rotate/.exec(listing.slice(listing.indexOf('Rotate me')))![1];
    expect((await post(`/admin/keys/${id}/rotate`, {}, cookies)).status).toBe(403);
    const rotated = await post(`/admin/keys/${id}/rotate`, { _csrf: csrf }, cookies);
    expect(rotated.status).toBe(201);
    const replacement = keyOf(await rotated.text());
    expect(replacement).not.toBe(created);
    expect((await bearer(created)).status).toBe(401);
    expect((await bearer(replacement)).status).toBe(200);
  });
});
