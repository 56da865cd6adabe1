import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../env';
import { setVisitorCookie, visitorCookieDomain } from './visitor-cookie';

describe('the _cb_aid cookie domain (VISITOR_COOKIE_DOMAIN)', () => {
  it('is the configured parent domain only when the collector is on it or under it', () => {
    expect(visitorCookieDomain('example.com', 'www.example.com')).toBe('example.com');
    expect(visitorCookieDomain('.Example.com ', 'example.com')).toBe('example.com');
    expect(visitorCookieDomain('example.com', 'collector.example.net')).toBeNull();
    expect(visitorCookieDomain('example.com', 'badexample.com')).toBeNull();
    expect(visitorCookieDomain('', 'www.example.com')).toBeNull();
    expect(visitorCookieDomain(undefined, 'www.example.com')).toBeNull();
  });

  it('is written with Domain when configured, host-only otherwise', async () => {
    const app = new Hono<AppContext>().get('/', (c) => {
      setVisitorCookie(c, 'anon_12345678');
      return c.body(null, 204);
    });
    const withDomain = await app.request('https://www.example.com/', {}, { VISITOR_COOKIE_DOMAIN: 'example.com' });
    expect(withDomain.headers.get('set-cookie')).toBe(
      '_cb_aid=anon_12345678; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax; Domain=example.com; Secure',
    );
    const hostOnly = await app.request('https://www.example.com/', {}, {});
    expect(hostOnly.headers.get('set-cookie')).toBe(
      '_cb_aid=anon_12345678; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax; Secure',
    );
  });
});
