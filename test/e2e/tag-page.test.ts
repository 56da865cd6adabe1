import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { launchProfile } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import {
  PK,
  pageStorage,
  recordCollect,
  snippetOf,
  startTagSite,
  tagReady,
  waitForPerson,
  type TagSite,
} from './tag-support';

let collector: RunningCollector;
let snippet: string;
let site: TagSite;
let browser: BrowserContext;
let dir: string;
// What each path of the site serves: set per test.
let render: (path: string) => { head?: string; body?: string } = () => ({});

beforeAll(async () => {
  collector = await startCollector();
  snippet = await snippetOf(collector);
  site = await startTagSite((path) => render(path));
});

afterAll(async () => {
  await site?.close();
  await collector?.stop();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chromium-page-'));
  browser = await launchProfile(dir);
});

afterEach(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(site.url + path);
  await tagReady(page);
  return page;
}

it('replays calls made before tag.js loaded, in order', async () => {
  // The calls sit right after the snippet; tag.js loads async, so they reach it through the queue.
  render = () => ({
    head: `${snippet}<script>
      clearbit.identify('queued.one@example.com', { step: 1 });
      clearbit.track('Viewed Pricing');
      clearbit.identify('user-77', { email: 'queued.two@example.com', step: 2 });
      clearbit.ready(function () { window.readyRan = true; });
    </script>`,
  });
  const requests = recordCollect(browser);
  const page = await open('/pricing?gclid=Cj0KCQ-queued-before-load');
  // ready callbacks run in a step of their own (tag/later.ts), after the calls queued before them.
  await page.waitForFunction(() => (window as any).readyRan === true);
  await waitForPerson(collector, 'queued.two@example.com');
  const identifies = requests.flatMap((r) => r.events).filter((e) => e.type === 'identify');
  expect(identifies.map((e) => e.email)).toEqual(['queued.one@example.com', 'queued.two@example.com']);
  expect(identifies[1]).toMatchObject({ userId: 'user-77', traits: { email: 'queued.two@example.com', step: 2 } });
  // Replayed after the capture: the queued identify carries the landing page's click ID.
  expect(identifies[0].touches.map((t: any) => t.value)).toContain('Cj0KCQ-queued-before-load');
});

it('stores a click ID and an identify made just before the visitor leaves, and delivers them from the next page', async () => {
  // The page leaves in the microtask right after tag.js ran (the moment window.clearbit becomes the
  // tag), then keeps the main thread busy, so the tag's idle steps have little chance to run before
  // pagehide: what they would have stored is stored by the pagehide drain.
  render = (path) =>
    path.startsWith('/leave')
      ? {
          head: `<script>var _c;Object.defineProperty(window,'clearbit',{configurable:true,get:function(){return _c},set:function(v){_c=v;if(v&&v.initialize)queueMicrotask(function(){
              clearbit.identify('leaver@example.com',{plan:'gone'});location.href='/after';var t=performance.now();while(performance.now()-t<300);})}});</script>${snippet}`,
        }
      : { head: snippet };
  const page = await browser.newPage();
  await page.goto(`${site.url}/leave?gclid=Cj0KCQ-left-at-once`);
  await page.waitForURL(/\/after$/);
  const p = await waitForPerson(collector, 'leaver@example.com', (p) =>
    expect(p.touches.map((t: any) => t.value)).toContain('Cj0KCQ-left-at-once'),
  );
  expect(p.attributes.traits).toMatchObject({ plan: 'gone' });
});

it('is harmless when the snippet is included twice: one tag, one identify per call, one console error', async () => {
  render = () => ({ head: `${snippet}${snippet}<script>clearbit.identify('twice@example.com');</script>` });
  const requests = recordCollect(browser);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const scripts: string[] = [];
  page.on('request', (r) => r.url().endsWith('/v1/tag.js') && scripts.push(r.url()));
  await page.goto(`${site.url}/twice?gclid=Cj0KCQ-snippet-twice`);
  await tagReady(page);
  await waitForPerson(collector, 'twice@example.com');
  await page.waitForTimeout(500);
  expect(scripts).toHaveLength(1);
  expect(errors).toEqual(['Clearbit snippet included twice.']);
  expect(requests.flatMap((r) => r.events).filter((e) => e.type === 'identify')).toHaveLength(1);
  expect(requests.flatMap((r) => r.events).filter((e) => e.type === 'touch')).toHaveLength(1);
});

it('meets the GTM way of loading: createArgumentsQueue, then tag.js injected with config as a queued call', async () => {
  // What the GTM template's createArgumentsQueue('clearbit', 'clearbit.q') and injectScript leave.
  render = () => ({
    head: `<script>
      window.clearbit = function () { clearbit.q.push(arguments); }; clearbit.q = [];
      clearbit('load', ${JSON.stringify(PK)}, ${JSON.stringify(collector.url)});
      clearbit('consent', { ads: 'granted' });
      clearbit('identify', 'gtm.queue@example.com', { source: 'gtm' });
      var s = document.createElement('script'); s.async = true; s.src = ${JSON.stringify(collector.url + '/v1/tag.js')}; document.head.appendChild(s);
    </script>`,
  });
  const page = await open('/gtm?msclkid=8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6');
  const p = await waitForPerson(collector, 'gtm.queue@example.com');
  expect(p.attributes.traits).toEqual({ source: 'gtm' });
  expect(p.touches.map((t: any) => t.kind)).toContain('msclkid');
  // Calls after load, as the template makes them with callInWindow('clearbit', ...).
  await page.evaluate(() => (window as any).clearbit('identify', 'gtm.later@example.com'));
  await waitForPerson(collector, 'gtm.later@example.com');
});

it('stores nothing when ads consent is denied, and identify carries no click ID', async () => {
  render = () => ({ head: `${snippet}<script>clearbit.config({ consent: 'denied' });</script>` });
  const requests = recordCollect(browser);
  const page = await open('/landing?gclid=Cj0KCQ-denied-consent&fbclid=IwAR_denied_consent');
  await page.evaluate(() => (window as any).clearbit.identify('denied@example.com'));
  const p = await waitForPerson(collector, 'denied@example.com');
  await page.waitForTimeout(300);
  expect(await pageStorage(page)).toEqual({ localStorage: [], cookies: [], indexedDB: [] });
  expect(p.touches).toEqual([]);
  const events = requests.flatMap((r) => r.events);
  expect(events.map((e) => [e.type, e.touches.length, e.context.consent.ads])).toEqual([['identify', 0, 'denied']]);
});

for (const answer of ['granted', 'denied'] as const) {
  it(`with consent pending, a click ID survives a navigation before the answer in session storage only, and is ${answer == 'granted' ? 'sent once consent is granted' : 'dropped everywhere when it is denied'}`, async () => {
    const gclid = `Cj0KCQ-pending-${answer}`;
    const email = `pending.${answer}@example.com`;
    render = () => ({ head: `${snippet}<script>clearbit.config({ consent: 'pending' });</script>` });
    const requests = recordCollect(browser);
    const page = await open(`/landing?gclid=${gclid}`);
    // The visitor moves on before answering the banner.
    await page.goto(`${site.url}/pricing`);
    await tagReady(page);
    await page.waitForTimeout(300);
    expect(await pageStorage(page)).toEqual({ localStorage: [], cookies: [], indexedDB: [] });
    expect(await page.evaluate(() => sessionStorage.getItem('_cb_state'))).toContain(gclid);
    expect(JSON.stringify(requests.flatMap((r) => r.events).map((e) => e.touches))).not.toContain(gclid);
    await page.evaluate(
      ([ads, email]) => {
        (window as any).clearbit.consent({ ads });
        (window as any).clearbit.identify(email);
      },
      [answer, email],
    );
    const p = await waitForPerson(
      collector,
      email,
      (p) => answer == 'denied' || expect(p.touches.map((t: any) => t.value)).toContain(gclid),
    );
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    if (answer == 'denied') {
      expect(p.touches).toEqual([]);
      expect(await pageStorage(page)).toEqual({ localStorage: [], cookies: [], indexedDB: [] });
      expect(JSON.stringify(requests.flatMap((r) => r.events).map((e) => e.touches))).not.toContain(gclid);
    } else {
      expect(await page.evaluate(() => localStorage.getItem('_cb_state'))).toContain(gclid);
    }
  });
}

it('keeps working when the host page throws: before the snippet, in a ready callback and in a history listener', async () => {
  render = () => ({
    head: `<script>window.addEventListener('popstate', function () { throw new Error('host popstate bug'); }); undefinedHostFunction();</script>
      ${snippet}
      <script>clearbit.ready(function () { throw new Error('host ready bug'); }); null.boom;</script>`,
    body: `<button id="send" onclick="clearbit.identify(document.getElementById('email').value, { from: 'form' })">send</button><input id="email" value="robust@example.com">`,
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${site.url}/landing?gclid=Cj0KCQ-host-page-throws`);
  await tagReady(page);
  await page.evaluate(() => history.pushState({}, '', '/spa?ttclid=E.C.P.after-host-errors'));
  await page.evaluate(() => history.back());
  await page.click('#send');
  const p = await waitForPerson(collector, 'robust@example.com', (p) =>
    expect(p.touches.map((t: any) => t.value)).toEqual(
      expect.arrayContaining(['Cj0KCQ-host-page-throws', 'E.C.P.after-host-errors']),
    ),
  );
  expect(p.attributes.traits).toEqual({ from: 'form' });
  // The page's own errors surfaced as they would without us; none came from the tag.
  expect(pageErrors.some((m) => /undefinedHostFunction/.test(m))).toBe(true);
  expect(pageErrors.every((m) => /undefinedHostFunction|null|boom|host popstate bug/.test(m))).toBe(true);
});

it('works as an ES module in a single-page app, sharing one tag with window.clearbit', async () => {
  render = () => ({
    head: `<script type="module">
      import { load, identify, page } from '/tag.mjs';
      load({ key: ${JSON.stringify(PK)}, host: ${JSON.stringify(collector.url)} });
      window.app = { identify, page };
    </script>`,
  });
  const p = await browser.newPage();
  await p.goto(`${site.url}/app?li_fat_id=85929337-d448-42da-a095-0b3c5500fa50`);
  await tagReady(p);
  await p.waitForFunction(() => (window as any).app);
  await p.evaluate(() => {
    history.pushState({}, '', '/app/checkout?rdt_cid=2745930112238747719');
    (window as any).app.identify('esm@example.com', { via: 'module' });
  });
  const person = await waitForPerson(collector, 'esm@example.com');
  expect(person.touches.map((t: any) => t.kind).sort()).toEqual(['fbp', 'li_fat_id', 'rdt_cid']);
  expect(await p.evaluate(() => typeof (window as any).clearbit.identify)).toBe('function');
});
