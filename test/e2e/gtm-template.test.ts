// The GTM install path in real Chromium: the container export, customized as docs/install.md says,
// runs in the page through a GTM stand-in; the template's own code injects tag.js from the
// collector (over HTTPS, as inject_script requires) and identifies from the dataLayer on form submit.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { customizeContainer } from '../gtm/customize-container';
import { startHttpsProxy, type HttpsProxy } from '../gtm/https-proxy';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { devVars } from '../support/dev-vars';
import { startSite, type Site } from '../support/site';

const { SECRET_KEY, PUBLISHABLE_KEY } = devVars();
let collector: RunningCollector;
let proxy: HttpsProxy;
let site: Site;
let browser: Browser;
let context: BrowserContext;

const FORM = `
<form id="signup"><input name="email" type="email"><input name="company"><button>Talk to sales</button></form>
<script>
document.getElementById('signup').addEventListener('submit', function (e) {
  e.preventDefault();
  dataLayer.push({ event: 'form_submit', email: this.email.value, company: this.company.value });
});
</script>`;

beforeAll(async () => {
  collector = await startCollector();
  proxy = await startHttpsProxy(collector.url);
  const exported = JSON.parse(readFileSync(new URL('../../tag/gtm/container.json', import.meta.url), 'utf8'));
  const container = customizeContainer(exported, { collectorUrl: `${proxy.url}/`, publishableKey: PUBLISHABLE_KEY });
  const runtime = await build({
    entryPoints: [new URL('../gtm/browser-entry.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
  });
  // What GTM's container snippet and a Consent Mode default put on the page before gtm.js runs;
  // pages under /denied/ start with ads consent denied, as a consent banner waiting for an answer.
  const head = (consent: string) => `<script>
window.dataLayer = window.dataLayer || [];
function gtag() { dataLayer.push(arguments); }
gtag('consent', 'default', { ad_storage: '${consent}', ad_user_data: '${consent}' });
dataLayer.push({ 'gtm.start': Date.now(), event: 'gtm.js' });
</script>
<script>${runtime.outputFiles[0].text}</script>
<script>__startContainer(${JSON.stringify(container).replace(/</g, '\\u003c')});</script>`;
  site = await startSite((path) => ({ head: head(path.startsWith('/denied/') ? 'denied' : 'granted'), body: FORM }));
  browser = await sharedBrowser();
  context = await browser.newContext({ ignoreHTTPSErrors: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await proxy?.close();
  await collector?.stop();
});

const firedTags = (page: import('playwright-core').Page) =>
  page.evaluate(() => (window as any).__gtm.fired.map((f: any) => [f.name, f.event, f.run.outcome]));

it('loads the tag through the template and identifies from the dataLayer: the person arrives with the click IDs', async () => {
  const gclid = 'Cj0KCQiA_GtmTemplateGclid';
  const fbclid = 'IwAR0GtmTemplate_Fbclid';
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));

  await page.goto(`${site.url}/landing?gclid=${gclid}&fbclid=${fbclid}`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  await page.waitForFunction(() => (window as any).__gtm.fired[0]?.run.outcome !== 'pending');
  expect(await firedTags(page), logs.join('\n')).toEqual([['Open Conversions - Load', 'gtm.js', 'success']]);
  const scripts = () =>
    page.evaluate(() =>
      Array.from(document.scripts)
        .map((s) => s.src)
        .filter(Boolean),
    );
  // The template injects tag.js only (its inject_script permission); tag.js itself, outside GTM's
  // sandbox, loads its sender to send the landing page's click IDs, from a step of its own when the
  // browser is idle (tag/later.ts), so some time after the template's tag succeeded.
  await expect
    .poll(scripts, { timeout: 15_000 })
    .toEqual([`${proxy.url}/v1/tag.js`, expect.stringMatching(/\/v1\/tag-send\.js\?v=[\da-f]{10}$/)]);
  expect((await scripts())[1]!.startsWith(`${proxy.url}/v1/`)).toBe(true);

  // A later page of the same visit: GTM runs again, the visitor fills in the form.
  await page.goto(`${site.url}/contact`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  const identified = page.waitForResponse(
    (r) => r.url() === `${proxy.url}/v1/collect` && (r.request().postData() ?? '').includes('"identify"'),
  );
  await page.fill('input[name=email]', 'GTM.Visitor@Example.com');
  await page.fill('input[name=company]', 'Example Inc');
  await page.click('button');
  expect((await identified).status()).toBe(200);
  await page.waitForFunction(
    () => (window as any).__gtm.fired.length === 2 && (window as any).__gtm.fired[1].run.outcome !== 'pending',
  );
  expect(await firedTags(page)).toEqual([
    ['Open Conversions - Load', 'gtm.js', 'success'],
    ['Open Conversions - Identify on form submit', 'form_submit', 'success'],
  ]);

  const res = await fetch(`${collector.url}/api/people/${encodeURIComponent('gtm.visitor@example.com')}`, {
    headers: { authorization: `Bearer ${SECRET_KEY}` },
  });
  expect(res.status).toBe(200);
  const person = (await res.json()) as any;
  expect(person.email).toBe('gtm.visitor@example.com');
  expect(person.attributes.traits).toMatchObject({ company: 'Example Inc' });
  const byKind = Object.fromEntries(person.touches.map((t: any) => [t.kind, t]));
  expect(byKind.gclid?.value).toBe(gclid);
  expect(byKind.fbclid?.value).toBe(fbclid);
  expect(byKind.gclid.landingUrl).toContain('/landing?gclid=');
  await page.close();
});

it('does nothing to the page when the email is missing: the trigger holds, and no identify is sent', async () => {
  const page = await context.newPage();
  const sent: string[] = [];
  page.on('request', (r) => r.url().endsWith('/v1/collect') && sent.push(r.postData() ?? ''));
  await page.goto(`${site.url}/contact`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  await page.click('button');
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  expect(await firedTags(page)).toEqual([['Open Conversions - Load', 'gtm.js', 'success']]);
  expect(sent.filter((b) => b.includes('"identify"'))).toEqual([]);
  await page.close();
});

it('maps Consent Mode: click IDs stay out while ads consent is denied and arrive once the banner grants it', async () => {
  const gclid = 'Cj0KCQiA_GtmConsentGclid';
  const email = 'gtm.consent@example.com';
  const person = async () => {
    const res = await fetch(`${collector.url}/api/people/${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${SECRET_KEY}` },
    });
    return res.status === 200 ? ((await res.json()) as any) : undefined;
  };
  const fresh = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await fresh.newPage();
  await page.goto(`${site.url}/denied/landing?gclid=${gclid}`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  const identified = page.waitForResponse(
    (r) => r.url() === `${proxy.url}/v1/collect` && (r.request().postData() ?? '').includes('"identify"'),
  );
  await page.fill('input[name=email]', email);
  await page.click('button');
  expect((await identified).status()).toBe(200);
  const before = await person();
  expect(before?.email).toBe(email);
  expect(before.touches.filter((t: any) => t.kind === 'gclid')).toEqual([]);

  await page.evaluate(() =>
    (window as any).gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted' }),
  );
  // By a deadline, not a count of polls (each poll is slow on a loaded machine).
  let after: any;
  for (
    const deadline = Date.now() + 40_000;
    !after?.touches.some((t: any) => t.kind === 'gclid') && Date.now() < deadline;
  ) {
    await new Promise((r) => setTimeout(r, 200));
    after = await person();
  }
  expect(after.touches.find((t: any) => t.kind === 'gclid')?.value).toBe(gclid);
  await fresh.close();
});
