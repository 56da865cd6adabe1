// The marketing site and the app on different hostnames (www.example.test, app.example.test, both on
// loopback through Chromium's host resolver rules), with an OAuth-style sign-in through a third origin
// (sso.other.test) between them. The visitor arrives on the site with a gclid; the person who signs
// up on the app must reach Google with that gclid, whether the app's backend identifies them
// (POST /v1/identify with the anonymous id from the `_cb_ids` cookie) or the tag installed on the app
// does (`clearbit.identify`).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { snippetOf, SK, tagReady, waitForPerson } from './tag-support';

const GOOGLE = {
  customerId: '1234567890',
  conversionActionIds: ['555'],
  clientId: 'site-app-cid',
  clientSecret: 'site-app-secret-1',
  refreshToken: 'rt-site-app-1',
};

let collector: RunningCollector;
let google: GoogleAdsFake;
let server: Server;
let port: number;
let browser: Browser;
let snippet: string;
const signups: { status: number; body: unknown }[] = [];

const origin = (host: string) => `http://${host}:${port}`;
const page = (title: string, body: string, head = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;

/** The documented way to read the tag's anonymous id at signup: the `_cb_ids` cookie's first `|` part. */
function anonymousIdFrom(req: IncomingMessage): string | null {
  const raw = /(?:^|;\s*)_cb_ids=([^;]*)/.exec(req.headers.cookie ?? '')?.[1];
  return raw?.split('|')[0] || null;
}

// One server for the three hostnames (cookies ignore ports: www and app share `example.test`'s).
async function handle(
  req: IncomingMessage,
): Promise<{ status: number; headers?: Record<string, string>; body?: string }> {
  const host = (req.headers.host ?? '').split(':')[0];
  const url = new URL(req.url ?? '/', origin(host!));
  if (host === 'www.example.test')
    return {
      status: 200,
      body: page(`www ${url.pathname}`, `<a href="${origin('app.example.test')}/login">Sign up</a>`, snippet),
    };
  if (host === 'sso.other.test' && url.pathname === '/authorize') {
    // The identity provider signs the visitor in and redirects back to the app with a code.
    const back = new URL(url.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', `code-${url.searchParams.get('login_hint')}`);
    return { status: 302, headers: { location: back.href } };
  }
  if (host === 'app.example.test' && url.pathname === '/callback') {
    // The app's signup handler: the email from the code exchange, the browser from the cookie.
    const email = decodeURIComponent(url.searchParams.get('code')!.slice('code-'.length));
    const res = await fetch(`${collector.url}/v1/identify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email,
        anonymousId: anonymousIdFrom(req),
        traits: { signedUpWith: 'sso' },
        context: { ip: '198.51.100.23', userAgent: req.headers['user-agent'] },
      }),
    });
    signups.push({ status: res.status, body: await res.json() });
    return { status: 200, body: page('welcome', `<p id="welcome">signed up</p>`) };
  }
  if (host === 'app.example.test' && url.pathname === '/with-tag')
    return { status: 200, body: page('app', '<p>app</p>', snippet) };
  if (host === 'app.example.test') return { status: 200, body: page('app login', '<p>log in</p>') };
  return { status: 404, body: 'not found' };
}

beforeAll(async () => {
  [collector, google] = await Promise.all([startCollector(), startGoogleAdsFake(GOOGLE)]);
  server = createServer((req, res) => {
    handle(req).then(
      (r) => {
        res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8', ...r.headers });
        res.end(r.body ?? '');
      },
      (e) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const api = (path: string, body: unknown) =>
    fetch(`${collector.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  // A publishable key for the site's and the app's origins.
  const key = await api('/api/keys', {
    type: 'publishable',
    name: 'site and app',
    origins: [origin('www.example.test'), origin('app.example.test')],
  });
  expect(key.status).toBe(201);
  snippet = (await snippetOf(collector)).replaceAll('pk_dev_local', key.json.key);
  expect(snippet).toContain(key.json.key);
  const destination = await api('/api/destinations', {
    type: 'google_ads',
    name: 'Google Ads',
    mode: 'live',
    endpoint: google.url,
    tokenEndpoint: google.url,
    settings: {
      customerId: GOOGLE.customerId,
      conversionActionId: '555',
      clientId: GOOGLE.clientId,
      clientSecret: GOOGLE.clientSecret,
      refreshToken: GOOGLE.refreshToken,
    },
  });
  expect(destination.status).toBe(201);
  const audience = await api('/api/audiences', {
    name: 'Trial started',
    criteria: { field: 'crm.stage', op: 'eq', value: 'trial' },
    timestamp: { field: 'crm.trial_at', withinDays: 30 },
  });
  expect(audience.status).toBe(201);
  expect(
    (await api(`/api/audiences/${audience.json.id}/conversions`, { destinationId: destination.json.id })).status,
  ).toBe(201);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.other.test 127.0.0.1'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await google?.stop();
  await collector?.stop();
});

/** Lands on the site from an ad, browses, and leaves once the tag kept the click in its cookie. */
async function adClickThenBrowse(context: BrowserContext, gclid: string): Promise<string> {
  const p = await context.newPage();
  await p.goto(`${origin('www.example.test')}/landing?gclid=${gclid}`, { referer: 'https://www.google.com/' });
  await tagReady(p);
  await p.goto(`${origin('www.example.test')}/pricing`);
  await tagReady(p);
  // The cookie is on the registrable domain, so the app's hostname receives it.
  await expect
    .poll(async () => (await context.cookies(origin('app.example.test'))).find((c) => c.name === '_cb_ids'), {
      timeout: 20_000,
    })
    .toMatchObject({ domain: '.example.test' });
  const ids = (await context.cookies(origin('app.example.test'))).find((c) => c.name === '_cb_ids')!.value;
  expect(ids).toContain(`gclid*${gclid}*`);
  await p.close();
  return ids.split('|')[0]!;
}

/** The CRM marks the person a trial (now, after the click); the conversion Google receives for them. */
async function conversionAtGoogle(email: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${collector.url}/v1/people`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      people: [{ email, source: 'crm', attributes: { stage: 'trial', trial_at: new Date().toISOString() } }],
    }),
  });
  expect(res.status).toBe(202);
  const sha = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(email.toLowerCase()));
  const hashed = [...new Uint8Array(sha)].map((b) => b.toString(16).padStart(2, '0')).join('');
  let found: Record<string, unknown> | undefined;
  await expect
    .poll(() => (found = google.conversions.find((c) => JSON.stringify(c.userIdentifiers ?? []).includes(hashed))), {
      timeout: 60_000,
      interval: 500,
    })
    .toBeTruthy();
  return found!;
}

it("backend path: site click → SSO redirect through a third origin → the signup handler identifies with the cookie's anonymous id → Google gets the gclid", async () => {
  const context = await browser.newContext();
  const gclid = `Cj0KCQiA_siteToApp_${Date.now().toString(36)}`;
  const email = `sso-signup-${Date.now().toString(36)}@example.com`;
  const anonymousId = await adClickThenBrowse(context, gclid);
  // The signup handler names only the anonymous id: the gclid comes from the collector's visitor.
  const p = await context.newPage();
  await p.goto(`${origin('www.example.test')}/pricing`);
  await p.click('a');
  await p.waitForURL(/app\.example\.test.*\/login/);
  // The app sends the visitor to the identity provider, which redirects back to the app's callback.
  await p.goto(
    `${origin('sso.other.test')}/authorize?login_hint=${encodeURIComponent(email)}&redirect_uri=${encodeURIComponent(origin('app.example.test') + '/callback')}`,
  );
  await p.waitForSelector('#welcome');
  expect(new URL(p.url()).hostname).toBe('app.example.test');
  expect(signups.at(-1)).toEqual({ status: 200, body: { duplicate: false, linked: true, clickIds: 0 } });

  const person = await waitForPerson(collector, email, (x) =>
    expect(x.touches.map((t: any) => t.value)).toContain(gclid),
  );
  expect(person.devices).toEqual(
    expect.arrayContaining([expect.objectContaining({ anonymousId, ip: '198.51.100.23' })]),
  );
  const conversion = await conversionAtGoogle(email);
  expect(conversion.gclid).toBe(gclid);
  await context.close();
}, 180_000);

it("browser path: the tag installed on the app continues the site's visitor, and its identify carries the site's gclid to Google", async () => {
  const context = await browser.newContext();
  const gclid = `Cj0KCQiA_appTag_${Date.now().toString(36)}`;
  const email = `app-tag-${Date.now().toString(36)}@example.com`;
  const anonymousId = await adClickThenBrowse(context, gclid);
  const p = await context.newPage();
  await p.goto(
    `${origin('sso.other.test')}/authorize?login_hint=x&redirect_uri=${encodeURIComponent(origin('app.example.test') + '/with-tag')}`,
  );
  await tagReady(p);
  expect(new URL(p.url()).hostname).toBe('app.example.test');
  // The app's own storage starts empty: the tag restored the visitor from the shared cookie.
  const identify = p.waitForRequest((r) => r.url().endsWith('/v1/collect') && r.postData()!.includes('"identify"'));
  await p.evaluate((e) => (window as any).clearbit.identify(e), email);
  const sent = JSON.parse((await identify).postData()!).events.find((e: any) => e.type === 'identify');
  expect(sent.anonymousId).toBe(anonymousId);
  expect(sent.touches.map((t: any) => t.value)).toContain(gclid);

  await waitForPerson(collector, email, (x) => expect(x.touches.map((t: any) => t.value)).toContain(gclid));
  const conversion = await conversionAtGoogle(email);
  expect(conversion.gclid).toBe(gclid);
  await context.close();
}, 180_000);
