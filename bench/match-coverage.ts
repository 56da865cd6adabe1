// The journey benchmark: simulated visitors in real Chromium against the running collector, each from
// an ad click (gclid, fbclid, msclkid or li_fat_id) on the marketing site (www.example.test) to a
// signup on the app (app.example.test), identified by the tag on the app or by the app's backend
// (POST /v1/identify with the anonymous id from the `_cb_ids` cookie), then a CRM stage through
// POST /v1/people. Four destinations (Meta, Google Ads, LinkedIn, Microsoft Ads) in dry run record
// the exact request each conversion would send; for each journey the originating platform's
// request is read: does it carry the originating click ID, and the hashed email? Beside it, the
// "landing page only" method: what a conversion would carry if only the identify page's URL were read.
//
//   node bench/match-coverage.mjs   (MATCH_JOURNEYS=32 by default: each scenario once per platform;
//                                    MATCH_CONCURRENCY=3; MATCH_LATE_CONSENT=denied|pending)
//
// Safari-like limits are simulated, not waited for: a return more than 7 days later finds the
// script-written storage of both hostnames gone (localStorage, IndexedDB, the `_cb_ids` cookie), as
// Safari's cap on script-written storage does, while the collector's HttpOnly `_cb_aid` cookie
// (server-set, first-party because the collector is routed on the site's hostname,
// www.example.test/_cb, over HTTPS with a self-signed certificate) survives; "cleared" journeys lose everything; "stripped" journeys return
// through a second ad click whose link decoration was removed. The late-consent scenario configures
// the tag with ads consent `denied` (or, MATCH_LATE_CONSENT=pending, `pending`: with a tag that
// holds click IDs until the answer) until the visitor grants it on the second page. The collector's
// `_cb_aid` cookie is set on example.test (VISITOR_COOKIE_DOMAIN), so the app's backend passes it
// to POST /v1/identify as `visitorCookie`. (Over 300 lines: the journeys, the site with the app's
// backend and the figures read together, and nothing here is shared.)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/browser';
import { DEV_VARS, startCollector } from '../test/support/collector';
// @ts-expect-error plain ESM helpers without types
import { cleanupAll, onCleanup, trackDir } from './cleanup.mjs';

const N = Number(process.env.MATCH_JOURNEYS ?? 32);
const CONCURRENCY = Number(process.env.MATCH_CONCURRENCY ?? 3);
const SK = DEV_VARS.SECRET_KEY!;
// How the late-consent site configures the tag before the answer: 'denied' (stores nothing until
// consent), or 'pending' (click IDs held in session storage until the answer; a tag option).
const LATE_CONSENT = process.env.MATCH_LATE_CONSENT === 'pending' ? 'pending' : 'denied';

const PLATFORMS = {
  google: { kind: 'gclid', destination: 'google_ads', id: (i: number) => `Cj0KCQiA_bench${i}_${rand(10)}` },
  meta: { kind: 'fbclid', destination: 'meta', id: (i: number) => `IwAR_bench${i}_${rand(12)}` },
  microsoft: { kind: 'msclkid', destination: 'microsoft_ads', id: () => hex(32) },
  linkedin: {
    kind: 'li_fat_id',
    destination: 'linkedin',
    id: () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  },
} as const;
type Platform = keyof typeof PLATFORMS;

/**
 * The journeys. `days`: how long the visitor stays away; `wipe`: what storage is gone on return
 * (`script`: Safari's 7-day cap on script-written storage; `all`: the visitor cleared site data);
 * `ret`: where they come back (`www` then the app, or the app's hostname only); `identify`: who
 * identifies (the tag on the app, or the app's backend); `stripped`: the return is a second ad click
 * with its link decoration removed; `lateConsent`: ads consent denied until granted on the second page.
 */
interface Scenario {
  name: string;
  days: number;
  wipe?: 'script' | 'all';
  ret: 'www' | 'app' | 'landing';
  identify: 'browser' | 'backend';
  stripped?: boolean;
  lateConsent?: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: 'signup on the landing page', days: 0, ret: 'landing', identify: 'browser' },
  { name: 'back 2 days later via www, tag identify on app', days: 2, ret: 'www', identify: 'browser' },
  { name: 'back 3 days later on the app only, backend identify', days: 3, ret: 'app', identify: 'backend' },
  { name: 'back via a stripped ad link, backend identify', days: 5, ret: 'www', identify: 'backend', stripped: true },
  {
    name: 'Safari cap: back 10 days later, tag identify on app',
    days: 10,
    wipe: 'script',
    ret: 'www',
    identify: 'browser',
  },
  {
    name: 'Safari cap: back 10 days later on the app only, backend identify',
    days: 10,
    wipe: 'script',
    ret: 'app',
    identify: 'backend',
  },
  { name: 'storage cleared, tag identify on app', days: 4, wipe: 'all', ret: 'www', identify: 'browser' },
  {
    name: `late consent ('${LATE_CONSENT}' until granted on the 2nd page), tag identify on app`,
    days: 1,
    ret: 'www',
    identify: 'browser',
    lateConsent: true,
  },
];

function rand(n: number) {
  return Math.random()
    .toString(36)
    .slice(2, 2 + n)
    .padEnd(n, '0');
}
function hex(n: number) {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function main() {
  const started = Date.now();
  const load = loadavg()[0]!.toFixed(1);
  // The collector's `_cb_aid` cookie on the site's domain, so the app's backend receives it too.
  const collector = await startCollector({ vars: { VISITOR_COOKIE_DOMAIN: 'example.test' } });
  onCleanup(() => collector.stop());
  const api = async (path: string, method = 'GET', body?: unknown) => {
    const init = {
      method,
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    // A connection the local runtime dropped (it happens under heavy load) is tried again.
    const res = await fetch(`${collector.url}${path}`, init).catch(() =>
      new Promise((r) => setTimeout(r, 2_000)).then(() => fetch(`${collector.url}${path}`, init)),
    );
    const json = (await res.json()) as any;
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // ---- the site and the app on one loopback server (cookies ignore ports: both share example.test's)
  let port = 0;
  const origin = (host: string) => `https://${host}:${port}`;
  let snippet = '';
  const page = (body: string, head = '') =>
    `<!doctype html><html><head><meta charset="utf-8"><title>x</title>${head}</head><body>${body}</body></html>`;
  const lateConsentHead = () =>
    snippet.replace('</script>', `</script><script>clearbit.config({consent:'${LATE_CONSENT}'})</script>`);
  // The collector routed on the site's own hostname (www.example.test/_cb/*), as recommended: its
  // HttpOnly cookie is first-party, and the app (same site) sends it too.
  // The Host header goes through (as a Worker route sees the site's hostname), for the cookie's domain.
  function proxy(req: IncomingMessage, res: ServerResponse) {
    const up = httpRequest(
      `${collector.url}${req.url!.slice('/_cb'.length)}`,
      { method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'https' } },
      (r) => {
        const headers = { ...r.headers };
        if (headers['set-cookie'])
          headers['set-cookie'] = headers['set-cookie'].map((c) => (c.includes('Secure') ? c : `${c}; Secure`));
        res.writeHead(r.statusCode!, headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => (res.writeHead(502), res.end(String(e))));
    req.pipe(up);
  }
  async function handle(req: IncomingMessage) {
    const host = (req.headers.host ?? '').split(':')[0];
    const url = new URL(req.url ?? '/', origin(host!));
    if (url.pathname === '/blank') return page('');
    const late = url.searchParams.has('late');
    const head = late ? lateConsentHead() : snippet;
    if (host === 'app.example.test' && url.pathname === '/signup') {
      // The app's signup handler (backend identify): the anonymous id from the `_cb_ids` cookie.
      const raw = /(?:^|;\s*)_cb_ids=([^;]*)/.exec(req.headers.cookie ?? '')?.[1];
      const anonymousId = raw?.split('|')[0] || null;
      const visitorCookie = /(?:^|;\s*)_cb_aid=([^;]*)/.exec(req.headers.cookie ?? '')?.[1] || null;
      await api('/v1/identify', 'POST', {
        email: url.searchParams.get('email'),
        anonymousId,
        visitorCookie,
        context: { ip: '198.51.100.7', userAgent: req.headers['user-agent'] },
      });
      return page('<p id="done">welcome</p>');
    }
    if (host === 'www.example.test' || host === 'app.example.test')
      return page(`<p>${host}${url.pathname}</p>`, url.searchParams.has('notag') ? '' : head);
    return 'not found';
  }
  // A self-signed certificate for the site's hostnames: browsers send Sec-Fetch-Site (which the
  // collector reads to know it is same-site) only over HTTPS.
  const certDir = mkdtempSync(join(tmpdir(), 'match-coverage-cert-'));
  trackDir(certDir);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=www.example.test',
      '-addext',
      'subjectAltName=DNS:www.example.test,DNS:app.example.test',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  rmSync(certDir, { recursive: true, force: true });
  const server = createServer(tls, (req, res) => {
    if (req.headers.host?.startsWith('www.example.test') && req.url?.startsWith('/_cb/')) {
      return proxy(req, res);
    }
    handle(req).then(
      (html) => {
        res.writeHead(html === 'not found' ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
      },
      (e) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  onCleanup(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r(undefined)))));

  const key = await api('/api/keys', 'POST', {
    type: 'publishable',
    name: 'bench',
    origins: [origin('www.example.test'), origin('app.example.test')],
  });
  // The collector on a hostname of the site (same-site): its HttpOnly cookie is first-party.
  snippet = ((await api('/api/install')).snippet as string)
    .replaceAll('pk_dev_local', key.key)
    .replaceAll(collector.url, `${origin('www.example.test')}/_cb`);
  if (!snippet.includes('/_cb')) throw new Error('snippet host not replaced');

  const oauth = { clientId: 'bench-client', clientSecret: 'bench-secret-1', refreshToken: 'bench-refresh-1' };
  const destBodies: Record<string, unknown> = {
    meta: {
      type: 'meta',
      name: 'Meta',
      mode: 'dry_run',
      settings: { pixelId: '1234567', accessToken: 'EAAbench-meta-token-1' },
    },
    google_ads: {
      type: 'google_ads',
      name: 'Google Ads',
      mode: 'dry_run',
      settings: { customerId: '1234567890', conversionActionId: '555', ...oauth },
    },
    linkedin: {
      type: 'linkedin',
      name: 'LinkedIn',
      mode: 'dry_run',
      settings: { conversionId: '4242', accessToken: 'AQbench-linkedin-1', apiVersion: '202601' },
    },
    microsoft_ads: {
      type: 'microsoft_ads',
      name: 'Microsoft Ads',
      mode: 'dry_run',
      settings: {
        customerId: '1111',
        accountId: '2222',
        conversionGoalName: 'SQL',
        developerToken: 'bench-dev-token-1',
        ...oauth,
      },
    },
  };
  const destinations: Record<string, string> = {};
  for (const [t, body] of Object.entries(destBodies))
    destinations[t] = (await api('/api/destinations', 'POST', body)).id;
  const audience = await api('/api/audiences', 'POST', {
    name: 'SQL',
    criteria: { field: 'crm.stage', op: 'eq', value: 'sql' },
    timestamp: { field: 'crm.sql_at', withinDays: 30 },
  });
  for (const id of Object.values(destinations))
    await api(`/api/audiences/${audience.id}/conversions`, 'POST', { destinationId: id, eventName: 'Lead' });

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example.test 127.0.0.1', '--ignore-certificate-errors'],
  });
  onCleanup(() => browser.close());

  // ---- one journey
  type Result = {
    platform: Platform;
    scenario: string;
    email: string;
    clickId: string;
    landingOnly: boolean;
    storageAlive: boolean;
    error?: string;
  };
  async function clearScript(context: BrowserContext, { all }: { all: boolean }) {
    if (all) await context.clearCookies();
    else await context.clearCookies({ name: '_cb_ids' });
    const p = await context.newPage();
    for (const host of ['www.example.test', 'app.example.test']) {
      await p.goto(`${origin(host)}/blank`);
      await p.evaluate(async () => {
        localStorage.clear();
        sessionStorage.clear();
        for (const d of await indexedDB.databases())
          if (d.name)
            await new Promise((r) =>
              Object.assign(indexedDB.deleteDatabase(d.name!), { onsuccess: r, onerror: r, onblocked: r }),
            );
      });
    }
    // Again at the end: a request of the earlier page still in flight when the journey left may
    // have set the collector's cookie again after the first clear.
    if (all) await context.clearCookies();
    else await context.clearCookies({ name: '_cb_ids' });
    await p.close();
  }
  const ready = (p: import('playwright-core').Page) =>
    p.waitForFunction(() => (window as any).clearbit?.initialize === true, undefined, { timeout: 20_000 });

  async function journey(i: number): Promise<Result> {
    const platform = (Object.keys(PLATFORMS) as Platform[])[i % 4]!;
    const s = SCENARIOS[Math.floor(i / 4) % SCENARIOS.length]!;
    const { kind, id } = PLATFORMS[platform];
    const clickId = id(i);
    const email = `journey-${i}-${rand(6)}@example.com`;
    const q = s.lateConsent ? '&late=1' : '';
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const result: Result = {
      platform,
      scenario: s.name,
      email,
      clickId,
      landingOnly: false,
      storageAlive: s.wipe !== 'all',
    };
    try {
      const p = await context.newPage();
      // The ad click, then browsing.
      const landing = `${origin('www.example.test')}/landing?utm_source=ads&${kind}=${encodeURIComponent(clickId)}${q}`;
      await p.goto(landing);
      await ready(p);
      if (s.ret === 'landing') {
        // The signup form on the landing page itself: the landing-page-only method sees the ID.
        result.landingOnly = new URL(p.url()).searchParams.get(kind) === clickId;
        await identifyInPage(p, email);
        return result;
      }
      await p.goto(`${origin('www.example.test')}/pricing?x=1${q}`);
      await ready(p);
      if (s.lateConsent) await p.evaluate(() => (window as any).clearbit.consent({ ads: 'granted' }));
      // Leave once the tag has written what it keeps (its cookie; nothing under a denial).
      await p
        .waitForFunction(() => document.cookie.includes('_cb_ids='), undefined, { timeout: 5_000 })
        .catch(() => {});
      await p.close();
      // Days away.
      if (s.wipe) await clearScript(context, { all: s.wipe === 'all' });
      const r = await context.newPage();
      if (s.ret === 'www') {
        const back = s.stripped
          ? `${origin('www.example.test')}/landing?utm_source=ads${q}`
          : `${origin('www.example.test')}/blog/post-${i}${s.lateConsent ? '?late=1' : ''}`;
        await r.goto(back);
        await ready(r);
      }
      if (s.identify === 'backend') {
        // The app with no tag: its signup handler identifies server-side.
        await r.goto(`${origin('app.example.test')}/signup?email=${encodeURIComponent(email)}`);
        await r.waitForSelector('#done');
        result.landingOnly = new URL(r.url()).searchParams.get(kind) === clickId;
      } else {
        await r.goto(`${origin('app.example.test')}/signup-form${s.lateConsent ? '?late=1' : ''}`);
        await ready(r);
        // The site's consent platform applies the visitor's stored choice on the app too.
        if (s.lateConsent) await r.evaluate(() => (window as any).clearbit.consent({ ads: 'granted' }));
        result.landingOnly = new URL(r.url()).searchParams.get(kind) === clickId;
        await identifyInPage(r, email);
      }
      return result;
    } catch (e) {
      return { ...result, error: String(e).slice(0, 300) };
    } finally {
      await context.close();
    }
  }
  async function identifyInPage(p: import('playwright-core').Page, email: string) {
    const answered = p.waitForResponse(
      (res) => res.url().endsWith('/v1/collect') && res.request().postData()!.includes('"identify"'),
      { timeout: 20_000 },
    );
    await p.evaluate((e) => (window as any).clearbit.identify(e), email);
    const res = await answered;
    if (res.status() !== 200) throw new Error(`identify answered ${res.status()}`);
  }

  const results: Result[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) results.push(await journey(next++));
    }),
  );
  const journeysSeconds = (Date.now() - started) / 1000;
  const ok = results.filter((r) => !r.error);

  // ---- the CRM stage, later: every identified person becomes an SQL now.
  const now = new Date().toISOString();
  for (let i = 0; i < ok.length; i += 500)
    await api('/v1/people', 'POST', {
      people: ok
        .slice(i, i + 500)
        .map((r) => ({ email: r.email, source: 'crm', attributes: { stage: 'sql', sql_at: now } })),
    });

  // ---- what each conversion (dry run: the exact request) carries, read from the delivery log.
  const carried = new Map<string, { click: boolean; email: boolean }>();
  const deadline = Date.now() + 120_000;
  while (carried.size < ok.length && Date.now() < deadline) {
    for (const r of ok) {
      if (carried.has(r.email)) continue;
      const log = await api(
        `/api/conversions?email=${encodeURIComponent(r.email)}&destination=${destinations[PLATFORMS[r.platform].destination]}`,
      );
      const row = log.conversions[0];
      if (!row) continue;
      // The whole request it travelled in (dry run: built and recorded, not sent).
      const text = JSON.stringify(await api(`/api/conversions/${encodeURIComponent(row.id)}`));
      carried.set(r.email, { click: text.includes(r.clickId), email: text.includes(sha256(r.email)) });
    }
    if (carried.size < ok.length) await new Promise((res) => setTimeout(res, 2_000));
  }

  // ---- figures
  const pct = (n: number, d: number) => (d ? `${Math.round((1000 * n) / d) / 10}%` : '–');
  const summarize = (rows: Result[]) => {
    const got = rows.map((r) => carried.get(r.email));
    return {
      journeys: rows.length,
      'originating click ID': pct(got.filter((g) => g?.click).length, rows.length),
      'hashed email': pct(got.filter((g) => g?.email).length, rows.length),
      'landing page only: click ID': pct(rows.filter((r) => r.landingOnly).length, rows.length),
    };
  };
  const alive = ok.filter((r) => r.storageAlive && !SCENARIOS.find((s) => s.name === r.scenario)!.lateConsent);
  console.log(
    `\nmatch coverage: ${ok.length} journeys (${results.length - ok.length} failed to run), ${CONCURRENCY} at a time, ${cpus().length} cores, load ${load} at start, journeys ${Math.round(journeysSeconds)} s, total ${Math.round((Date.now() - started) / 1000)} s`,
  );
  console.log('\nper platform, journeys that keep any first-party storage (consent not late):');
  console.table(
    Object.fromEntries(
      (Object.keys(PLATFORMS) as Platform[]).map((p) => [p, summarize(alive.filter((r) => r.platform === p))]),
    ),
  );
  console.log('per platform, every journey:');
  console.table(
    Object.fromEntries(
      (Object.keys(PLATFORMS) as Platform[]).map((p) => [p, summarize(ok.filter((r) => r.platform === p))]),
    ),
  );
  console.log('per scenario:');
  console.table(Object.fromEntries(SCENARIOS.map((s) => [s.name, summarize(ok.filter((r) => r.scenario === s.name))])));
  for (const r of results.filter((x) => x.error).slice(0, 5))
    console.log(`failed: ${r.scenario} / ${r.platform}: ${r.error}`);
  const missing = ok.filter((r) => !carried.has(r.email)).length;
  if (missing) console.log(`${missing} conversions never appeared in the delivery log`);
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (e) => {
    console.error(e);
    await cleanupAll();
    process.exit(1);
  });
