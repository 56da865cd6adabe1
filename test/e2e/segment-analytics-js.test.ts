import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { startSite, type Site } from '../support/site';

// Segment's own browser library (@segment/analytics-next, pinned) on a customer's page in real
// Chromium, pointed at the collector through `apiHost`: page and identify reach the person, with
// the click ID from the page URL. Everything loads from loopback: the library is bundled here and
// its CDN settings are given inline, and any request off loopback fails the test.
const SK = 'sk_dev_local';
let collector: RunningCollector;
let site: Site;
let browser: Browser;
let library = '';

beforeAll(async () => {
  const out = await build({
    stdin: { contents: "export { AnalyticsBrowser } from '@segment/analytics-next';", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    globalName: 'SegmentAnalytics',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  library = out.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  collector = await startCollector();
  const apiHost = `${new URL(collector.url).host}/segment/v1`;
  site = await startSite(() => ({
    head: `<script>${library}</script>
<script>
  const settings = { integrations: { 'Segment.io': { apiKey: 'pk_dev_local', apiHost: ${JSON.stringify(apiHost)}, protocol: 'http' } } };
  window.ready = SegmentAnalytics.AnalyticsBrowser.load(
    { writeKey: 'pk_dev_local', cdnSettings: settings },
    { integrations: { 'Segment.io': { apiHost: ${JSON.stringify(apiHost)}, protocol: 'http' } } },
  ).then(([analytics]) => (window.analytics = analytics));
</script>`,
  }));
  browser = await sharedBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
});

async function person(email: string): Promise<any> {
  const res = await fetch(`${collector.url}/api/people/${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${SK}` },
  });
  return res.status === 200 ? res.json() : null;
}

it('analytics.js with apiHost set to {collector}/segment/v1: page with a gclid, then identify, make one person with the click', async () => {
  const page = await browser.newPage();
  const offLoopback: string[] = [];
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    offLoopback.push(route.request().url());
    return route.abort();
  });
  const sent: { url: string; status: number }[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(collector.url)) sent.push({ url: r.url().slice(collector.url.length), status: r.status() });
  });
  const gclid = `Cj0KCQiA_analyticsjs_${Date.now()}`;
  const email = `analytics-js-${Date.now()}@example.com`;
  await page.goto(`${site.url}/pricing?gclid=${gclid}&utm_source=ads`);
  await page.evaluate(() => (window as any).ready);
  const anonymousId = await page.evaluate(() => (window as any).analytics.user().anonymousId());
  await page.evaluate(() => (window as any).analytics.page());
  await page.evaluate((e) => (window as any).analytics.identify('crm-42', { email: e, plan: 'pro' }), email);

  // The page's click ID reaches the person when the person's alarm links the visitor: by a deadline,
  // not a count of polls (each poll is slow on a loaded machine).
  let p: any = null;
  for (const deadline = Date.now() + 40_000; !(p?.touches?.length > 0) && Date.now() < deadline;) {
    p = await person(email);
    if (!(p?.touches?.length > 0)) await new Promise((r) => setTimeout(r, 100));
  }
  expect(offLoopback).toEqual([]);
  // analytics.js's short paths (p = page, i = identify), answered 200 with CORS (the answers may reach
  // the browser after the person is stored).
  await expect
    .poll(() => sent.filter((s) => s.url === '/segment/v1/p' || s.url === '/segment/v1/i').map((s) => s.status), {
      timeout: 15_000,
    })
    .toEqual([200, 200]);
  expect(p).not.toBeNull();
  expect(p.attributes.traits).toMatchObject({ email, plan: 'pro' });
  expect(p.touches).toEqual([expect.objectContaining({ kind: 'gclid', value: gclid })]);
  expect(p.devices.map((d: any) => d.anonymousId)).toContain(anonymousId);
  await page.close();
});
