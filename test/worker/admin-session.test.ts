import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../collector/env';
import { describe, expect, it } from 'vitest';
import { issueSession, readSession, SESSION_TTL_MS } from '../../collector/admin/session';
import { SK } from './helpers';
import { cookiesOf, get, openSignIn, post, setCookieLine, signIn } from './admin-helpers';

const env = workerEnv as unknown as Env;

const SESSION = '__Secure-cb_admin';

describe('admin sign-in and session', { timeout: 20_000 }, () => {
  it('sends visitors without a session to the sign-in page, and back after signing in', async () => {
    const res = await get('/admin/people/ada%40example.com?x=1');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe(`/admin/sign-in?next=${encodeURIComponent('/admin/people/ada%40example.com?x=1')}`);
    const pre = await openSignIn('198.51.100.10');
    const ok = await post(
      '/admin/sign-in',
      { _csrf: pre.csrf, key: SK, next: '/admin/people/ada%40example.com?x=1' },
      pre.cookies,
      { 'cf-connecting-ip': '198.51.100.10' },
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/people/ada%40example.com?x=1');
  });

  it('issues an HttpOnly, Secure, SameSite=Strict cookie scoped to the admin, with an expiry', async () => {
    const pre = await openSignIn('198.51.100.11');
    const res = await post('/admin/sign-in', { _csrf: pre.csrf, key: SK, next: '/admin/' }, pre.cookies, {
      'cf-connecting-ip': '198.51.100.11',
    });
    expect(res.status).toBe(303);
    const line = setCookieLine(res, SESSION)!;
    expect(line).toBeDefined();
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\/admin(;|$)/);
    expect(line).toMatch(new RegExp(`; Max-Age=${SESSION_TTL_MS / 1000}(;|$)`));
    expect(line).not.toContain(SK);
  });

  it('refuses a wrong key, the publishable key and an empty key inline, without a session', async () => {
    for (const key of ['sk_wrong', 'pk_dev_local', '', SK + 'x']) {
      const pre = await openSignIn('198.51.100.12');
      const res = await post('/admin/sign-in', { _csrf: pre.csrf, key, next: '/admin/' }, pre.cookies, {
        'cf-connecting-ip': `198.51.100.${key.length}`,
      });
      expect(res.status).toBe(401);
      expect(setCookieLine(res, SESSION)).toBeUndefined();
      const html = await res.text();
      expect(html).toContain('role="alert"');
      expect(html).not.toContain('Error:');
      if (key) expect(html).not.toContain(key);
    }
  });

  it('refuses a sign-in without the form token, with a forged one, or from another origin', async () => {
    const pre = await openSignIn('198.51.100.13');
    const ip = { 'cf-connecting-ip': '198.51.100.13' };
    expect((await post('/admin/sign-in', { key: SK }, pre.cookies, ip)).status).toBe(403);
    expect((await post('/admin/sign-in', { _csrf: pre.csrf, key: SK }, {}, ip)).status).toBe(403);
    // Double-submitting the raw cookie value is not enough: the field is an HMAC of it.
    const raw = pre.cookies['__Secure-cb_admin_pre'];
    expect((await post('/admin/sign-in', { _csrf: raw, key: SK }, pre.cookies, ip)).status).toBe(403);
    const cross = await post('/admin/sign-in', { _csrf: pre.csrf, key: SK }, pre.cookies, {
      ...ip,
      origin: 'https://evil.example',
    });
    expect(cross.status).toBe(403);
    expect(setCookieLine(cross, SESSION)).toBeUndefined();
  });

  it('only returns to paths inside the admin after sign-in', async () => {
    for (const next of [
      '//evil.example/admin/',
      'https://evil.example/',
      '/adminx',
      '/v1/collect',
      '/admin/\\evil',
      '/admin/sign-out',
    ]) {
      const pre = await openSignIn('198.51.100.14');
      const res = await post('/admin/sign-in', { _csrf: pre.csrf, key: SK, next }, pre.cookies, {
        'cf-connecting-ip': '198.51.100.14',
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/');
    }
  });

  it('refuses tampered, forged and expired sessions', async () => {
    const { cookies } = await signIn();
    expect((await get('/admin/people', cookies)).status).toBe(200);
    const value = cookies[SESSION];
    const tampered = value.replace(/\.([0-9a-z]+)\./, (_m, exp) => `.${(parseInt(exp, 36) + 1e9).toString(36)}.`);
    expect((await get('/admin/people', { [SESSION]: tampered })).status).toBe(303);
    const forged = await issueSession({ ...env, IDENTITY_SECRET: 'another-secret' }, value.split('.')[3], Date.now());
    expect((await get('/admin/people', { [SESSION]: forged.value })).status).toBe(303);
    const old = await issueSession(env, value.split('.')[3], Date.now() - SESSION_TTL_MS - 1000);
    expect(await readSession(env, old.value, Date.now())).toBeNull();
    expect((await get('/admin/people', { [SESSION]: old.value })).status).toBe(303);
    expect((await get('/admin/people', { [SESSION]: 'v1.zzz' })).status).toBe(303);
  });

  it('ends sessions opened with a key that is no longer the admin key', async () => {
    const { cookies } = await signIn();
    const session = await readSession(env, cookies[SESSION], Date.now());
    expect(session).not.toBeNull();
    const { adminKeyStillValid } = await import('../../collector/admin/admin-key');
    expect(await adminKeyStillValid(env, session!.keyTag)).toBe(true);
    expect(await adminKeyStillValid({ ...env, SECRET_KEY: 'sk_rotated' }, session!.keyTag)).toBe(false);
  });

  it('signs out only with the CSRF token, and clears the cookie', async () => {
    const { cookies, csrf } = await signIn();
    const noToken = await post('/admin/sign-out', {}, cookies);
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('role="alert"');
    expect((await post('/admin/sign-out', { _csrf: 'f'.repeat(64) }, cookies)).status).toBe(403);
    expect((await post('/admin/sign-out', { _csrf: csrf }, cookies, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    const out = await post('/admin/sign-out', { _csrf: csrf }, cookies);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/admin/sign-in?signed-out');
    expect(setCookieLine(out, SESSION)).toMatch(/Max-Age=0/);
  });

  it('ties the CSRF token to the session', async () => {
    const a = await signIn();
    const b = await signIn();
    expect(a.csrf).not.toBe(b.csrf);
    expect((await post('/admin/sign-out', { _csrf: b.csrf }, a.cookies)).status).toBe(403);
  });

  it('throttles failed sign-ins per IP, then even the right key waits', async () => {
    const ip = '203.0.113.99';
    for (let i = 0; i < 5; i++) {
      const pre = await openSignIn(ip);
      const res = await post('/admin/sign-in', { _csrf: pre.csrf, key: `sk_guess_${i}` }, pre.cookies, {
        'cf-connecting-ip': ip,
      });
      expect(res.status).toBe(401);
    }
    const pre = await openSignIn(ip);
    const locked = await post('/admin/sign-in', { _csrf: pre.csrf, key: SK }, pre.cookies, { 'cf-connecting-ip': ip });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(setCookieLine(locked, SESSION)).toBeUndefined();
    expect(await locked.text()).toContain('Too many failed sign-ins');
    // Another address is unaffected.
    const other = await openSignIn('203.0.113.100');
    const ok = await post('/admin/sign-in', { _csrf: other.csrf, key: SK }, other.cookies, {
      'cf-connecting-ip': '203.0.113.100',
    });
    expect(ok.status).toBe(303);
    expect(cookiesOf(ok)[SESSION]).toBeDefined();
  });
});

describe('admin under a BASE_PATH', { timeout: 20_000 }, () => {
  it('links, forms and the cookie path carry the prefix', async () => {
    const { createApp } = await import('../../collector/app');
    const prefixed = { ...env, BASE_PATH: '/_cb' };
    const app = createApp('/_cb');
    const page = await app.request('http://site.test/_cb/admin/sign-in', {}, prefixed);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/_cb/admin/sign-in"');
    expect(html).toContain('href="/_cb/admin/assets/admin.css?v=');
    const pre = Object.fromEntries(
      page.headers.getAll('set-cookie').map((l) => l.split(';')[0]!.split('=') as [string, string]),
    );
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const res = await app.request(
      'http://site.test/_cb/admin/sign-in',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://site.test',
          cookie: Object.entries(pre)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
          'cf-connecting-ip': '192.0.2.77',
        },
        body: new URLSearchParams({ _csrf: csrf, key: SK, next: '/_cb/admin/install' }),
      },
      prefixed,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/_cb/admin/install');
    expect(setCookieLine(res, SESSION)).toMatch(/; Path=\/_cb\/admin(;|$)/);
  });
});
