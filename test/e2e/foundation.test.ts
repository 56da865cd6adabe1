import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../support/collector';
import { launchProfile } from '../support/browser';
import { startSite, type Site } from '../support/site';

const SK = 'sk_dev_local';
let collector: RunningCollector;
let site: Site;
let profile: string;

beforeAll(async () => {
  collector = await startCollector();
  const install = (await (
    await fetch(`${collector.url}/api/install`, { headers: { authorization: `Bearer ${SK}` } })
  ).json()) as { snippet: string };
  site = await startSite(() => ({ head: install.snippet }));
  profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
});

afterAll(async () => {
  await site?.close();
  await collector?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

it('keeps click IDs across navigation and a browser restart, and delivers them on identify', async () => {
  const gclid = 'Cj0KCQiA_E2eGclid-MixedCase';
  const fbclid = 'IwAR0e2eFbclid_Value';
  const before = Date.now();

  let browser = await launchProfile(profile);
  let page = await browser.newPage();
  await page.goto(`${site.url}/landing?gclid=${gclid}&fbclid=${fbclid}&utm_source=ads`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  const after = Date.now();
  await page.goto(`${site.url}/pricing`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  expect(page.url()).not.toContain('gclid');
  await browser.close();

  browser = await launchProfile(profile);
  page = await browser.newPage();
  await page.goto(`${site.url}/contact`);
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
  // The batch that carries the identify (touch events written ahead may be flushed just before it).
  const sent = page.waitForResponse(
    (r) => r.url().endsWith('/v1/collect') && (r.request().postData() ?? '').includes('"type":"identify"'),
  );
  await page.evaluate(() => (window as any).clearbit.identify('E2E.Person@Example.com', { plan: 'enterprise' }));
  const response = await sent;
  expect(response.status()).toBe(200);
  await browser.close();

  const res = await fetch(`${collector.url}/api/people/${encodeURIComponent('e2e.person@example.com')}`, {
    headers: { authorization: `Bearer ${SK}` },
  });
  expect(res.status).toBe(200);
  const person = (await res.json()) as any;
  expect(person.email).toBe('e2e.person@example.com');
  expect(person.attributes.traits).toMatchObject({ plan: 'enterprise' });
  const byKind = Object.fromEntries(person.touches.map((t: any) => [t.kind, t]));
  expect(byKind.gclid.value).toBe(gclid);
  expect(byKind.fbclid.value).toBe(fbclid);
  for (const t of [byKind.gclid, byKind.fbclid]) {
    expect(t.firstSeen).toBeGreaterThanOrEqual(before);
    expect(t.firstSeen).toBeLessThanOrEqual(after);
    expect(t.landingUrl).toContain('/landing?gclid=');
  }
});
