import { env as workerEnv } from 'cloudflare:workers';
import type { Env } from '../../collector/env';
import { describe, expect, it } from 'vitest';
import { personByEmail, personKey } from '../../collector/identity';
import { get, signIn } from './admin-helpers';
import { call } from './helpers';

const env = workerEnv as unknown as Env;

function expectHardened(res: Response) {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
}

describe('admin security headers', { timeout: 20_000 }, () => {
  it('are sent on the sign-in page, signed-in pages, redirects, assets and errors', async () => {
    const { cookies } = await signIn();
    const responses = [
      await call('/admin/sign-in'),
      await get('/admin/people'),
      await get('/admin/people', cookies),
      await get('/admin/install', cookies),
      await get('/admin/no-such-page', cookies),
      await get('/admin/assets/admin.css'),
    ];
    for (const res of responses) expectHardened(res);
    expect(responses[2].headers.get('cache-control')).toBe('no-store');
    expect(responses[4].status).toBe(404);
    expect(await responses[4].text()).toContain('There is no admin page at this address.');
  });

  it('pages hold no inline script or style, only the admin files', async () => {
    const { cookies } = await signIn();
    for (const path of ['/admin/people', '/admin/install']) {
      const html = await (await get(path, cookies)).text();
      expect(html.startsWith('<!doctype html>')).toBe(true);
      for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/admin\/assets\/admin\.js\?v=/);
      expect(html).not.toMatch(/<style/);
      expect(html).not.toMatch(/ style=/);
      expect(html).not.toMatch(/ on[a-z]+=/);
    }
  });
});

describe('attacker-controlled strings render inert', { timeout: 20_000 }, () => {
  const email = 'xss.person@example.com';
  const payloads = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    '</textarea><script>alert(4)</script>',
  ];

  it('traits, URLs, referrers and user agents are escaped, and only http(s) URLs become links', async () => {
    const person = await personByEmail(env, email);
    await person.identify({
      key: await personKey(env, email),
      traitsSource: 'traits',
      consent: null,
      email,
      messageId: 'xss-1',
      anonymousId: '<b>anon</b>',
      traits: { [payloads[0]]: payloads[1], nested: { '<i>k</i>': payloads[2] }, list: [payloads[3]] },
      touches: [
        {
          kind: 'gclid',
          value: '<script>alert(5)</script>',
          firstSeen: Date.now() - 1000,
          landingUrl: 'javascript:alert(6)',
          referrer: 'https://ref.example/?q="><script>alert(7)</script>',
        },
        {
          kind: 'fbclid',
          value: 'IwAR_ok',
          firstSeen: Date.now() - 500,
          landingUrl: 'https://site.example/landing?fbclid=IwAR_ok&a=<b>',
          referrer: 'data:text/html,<script>alert(8)</script>',
        },
      ],
      ip: '203.0.113.5',
      userAgent: 'Mozilla/5.0 <script>alert(9)</script>',
      now: Date.now(),
    });
    const { cookies } = await signIn();
    const res = await get(`/admin/people/${encodeURIComponent(email)}`, cookies);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toMatch(/<svg/);
    expect(html).not.toMatch(/<b>anon/);
    expect(html).not.toMatch(/<\/textarea>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/textarea&gt;&lt;script&gt;alert(4)&lt;/script&gt;');
    expect(html).toContain('Mozilla/5.0 &lt;script&gt;alert(9)&lt;/script&gt;');
    const hrefs = [...html.matchAll(/<a [^>]*href="([^"]*)"/g)].map((m) => m[1]);
    for (const href of hrefs) expect(href).toMatch(/^(\/admin\/|https?:\/\/|#main$)/);
    // The javascript: and data: URLs are shown as text, never as links.
    expect(html).toContain('javascript:alert(6)');
    expect(hrefs.some((h) => h.startsWith('javascript:') || h.startsWith('data:'))).toBe(false);
    expect(hrefs).toContain('https://site.example/landing?fbclid=IwAR_ok&amp;a=%3Cb%3E');
    for (const link of html.match(/<a [^>]*href="https?:[^>]*>/g) ?? [])
      expect(link).toContain('rel="noopener noreferrer nofollow"');
  });

  it('a search typed into the people page is escaped on the page that answers', async () => {
    const { cookies } = await signIn();
    const res = await get(`/admin/people?query=${encodeURIComponent('"><script>alert(1)</script>')}`, cookies);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });
});
