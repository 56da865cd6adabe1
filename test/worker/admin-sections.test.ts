// The sections added for issue 7 (overview, destinations, conversions, audit log, allowed origins)
// behave like the rest of the admin: a session for every page, CSRF and same-origin for every
// change, the hardened headers on every answer, inline errors and never a stack trace.
import { describe, expect, it } from 'vitest';
import { get, post, signIn } from './admin-helpers';

const PAGES = [
  '/admin/overview',
  '/admin/destinations',
  '/admin/destinations/new/meta',
  '/admin/destinations/new/microsoft_ads',
  '/admin/conversions',
  '/admin/conversions?status=failed',
  '/admin/change-log',
];
const CHANGES = [
  '/admin/install/origins',
  '/admin/destinations/new/meta',
  '/admin/destinations/dst_0000000000000001/pause',
  '/admin/destinations/dst_0000000000000001/delete',
  '/admin/destinations/dst_0000000000000001/test',
  '/admin/conversions/retry',
];

describe('admin sections', { timeout: 30_000 }, () => {
  it('every page needs a session and carries the security headers', async () => {
    const { cookies } = await signIn();
    for (const path of PAGES) {
      const anonymous = await get(path);
      expect(anonymous.status, path).toBe(303);
      expect(anonymous.headers.get('location'), path).toBe(`/admin/sign-in?next=${encodeURIComponent(path)}`);
      const res = await get(path, cookies);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      const html = await res.text();
      expect(html, path).not.toMatch(/<script>|style="/);
      expect(html, path).toContain('aria-current="page"');
    }
  });

  it('every change is refused without the CSRF token, from another origin, or without a session', async () => {
    const { cookies, csrf } = await signIn();
    for (const path of CHANGES) {
      expect((await post(path, { origins: 'https://x.example' }, cookies)).status, path).toBe(403);
      expect((await post(path, { _csrf: csrf }, cookies, { origin: 'https://evil.example' })).status, path).toBe(403);
      expect((await post(path, { _csrf: csrf }, {})).status, path).toBe(401);
    }
    const audit = await (await get('/admin/change-log', cookies)).text();
    expect(audit).not.toContain('origins.changed');
  });

  it('unknown destinations and conversions answer inline, with no internals', async () => {
    const { cookies, csrf } = await signIn();
    const missing = await post(
      '/admin/destinations/dst_0000000000000001/pause',
      { _csrf: csrf, paused: 'true' },
      cookies,
    );
    expect(missing.status).toBe(404);
    const html = await missing.text();
    expect(html).toContain('There is no such destination');
    expect(html).toContain('role="alert"');
    expect(html).not.toMatch(/at \w+ \(|\.ts:\d+/);
    const retry = await post('/admin/conversions/retry', { _csrf: csrf, id: '<script>:x' }, cookies);
    expect(retry.status).toBe(404);
    expect(await retry.text()).not.toContain('<script>');
    expect((await get('/admin/destinations/..%2F..%2Fapi', cookies)).status).toBe(404);
  });
});
