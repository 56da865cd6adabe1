import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { screenshot, signInAdmin, unlabelledControls, watchConsole } from './admin-helpers';

const SK = 'sk_dev_local';
const EMAIL = 'admin.e2e@example.com';
let collector: RunningCollector;
let browser: Browser;

beforeAll(async () => {
  collector = await startCollector();
  browser = await sharedBrowser();
  const res = await fetch(`${collector.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'http://localhost:3000' },
    body: JSON.stringify({
      key: 'pk_dev_local',
      events: [
        {
          type: 'identify',
          messageId: 'admin-e2e-1',
          anonymousId: 'anon_admin_e2e',
          email: EMAIL,
          traits: { plan: 'enterprise', '<b>odd key</b>': '<script>alert(1)</script>', company: { name: 'Acme' } },
          touches: [
            {
              kind: 'gclid',
              value: 'Cj0KCQadmin_e2e',
              firstSeen: Date.now() - 86_400_000,
              landingUrl: 'https://site.example/landing?gclid=Cj0KCQadmin_e2e',
              referrer: 'https://www.google.com/',
            },
            {
              kind: 'fbclid',
              value: 'IwAR_admin_e2e',
              firstSeen: Date.now() - 3_600_000,
              landingUrl: 'https://site.example/blog',
            },
          ],
        },
      ],
    }),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

const PAGES = [
  { name: 'people', path: '/admin/people', heading: 'People' },
  { name: 'person', path: `/admin/people/${encodeURIComponent(EMAIL)}`, heading: EMAIL },
  { name: 'audiences', path: '/admin/audiences', heading: 'Audiences' },
  { name: 'audience-new', path: '/admin/audiences/new', heading: 'New audience' },
  { name: 'install', path: '/admin/install', heading: 'Install' },
  { name: 'keys', path: '/admin/keys', heading: 'API keys' },
  { name: 'people-upload', path: '/admin/people/upload', heading: 'Upload people' },
  { name: 'overview', path: '/admin/overview', heading: 'Overview' },
  { name: 'destinations', path: '/admin/destinations', heading: 'Destinations' },
  {
    name: 'destination-new-meta',
    path: '/admin/destinations/new/meta',
    heading: 'New destination: Meta (Conversions API)',
  },
  {
    name: 'destination-new-google-data-manager',
    path: '/admin/destinations/new/google_data_manager',
    heading: 'New destination: Google Ads (Data Manager API)',
  },
  {
    name: 'destination-new-google-ads',
    path: '/admin/destinations/new/google_ads',
    heading: 'New destination: Google Ads (Google Ads API)',
  },
  {
    name: 'destination-new-linkedin',
    path: '/admin/destinations/new/linkedin',
    heading: 'New destination: LinkedIn (Conversions API)',
  },
  {
    name: 'destination-new-microsoft',
    path: '/admin/destinations/new/microsoft_ads',
    heading: 'New destination: Microsoft Advertising (offline conversions)',
  },
  { name: 'sources', path: '/admin/sources', heading: 'Sources' },
  { name: 'source-connect-oauth', path: '/admin/sources/hubspot/connect', heading: 'Connect HubSpot with OAuth' },
  { name: 'conversions', path: '/admin/conversions', heading: 'Conversions' },
  { name: 'change-log', path: '/admin/change-log', heading: 'Change log' },
];

it('signs in, shows every page without console errors, and signs out', async () => {
  for (const viewport of [
    { label: 'desktop', width: 1280, height: 900 },
    { label: 'phone', width: 390, height: 844 },
  ]) {
    const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
    const page = await context.newPage();
    const problems = watchConsole(page);

    await page.goto(`${collector.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await screenshot(page, `${viewport.label}-sign-in`);
    await page.getByLabel('Admin secret key').fill('sk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not an admin secret key');
    await screenshot(page, `${viewport.label}-sign-in-error`);
    // A refused sign-in answers 401, which Chromium logs as a failed load of that document: expected.
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
    problems.length = 0;

    await signInAdmin(page, collector.url, SK);
    const cookie = (await context.cookies()).find((c) => c.name === '__Secure-cb_admin');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/admin' });

    for (const p of PAGES) {
      const res = await page.goto(collector.url + p.path);
      expect(res?.status(), p.path).toBe(200);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(p.heading);
      expect(await unlabelledControls(page), p.path).toEqual([]);
      await screenshot(page, `${viewport.label}-${p.name}`);
    }
    // The stored-XSS attempt in the traits rendered as text.
    await page.goto(`${collector.url}/admin/people/${encodeURIComponent(EMAIL)}`);
    expect(await page.getByText('<script>alert(1)</script>').count()).toBe(1);

    // Finding a person by keyboard alone.
    await page.goto(`${collector.url}/admin/people`);
    await page.getByLabel('Search by email').fill(EMAIL.slice(0, 8).toUpperCase());
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('query')?.toLowerCase() === EMAIL.slice(0, 8));
    await page.getByRole('link', { name: EMAIL }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/admin/people/${encodeURIComponent(EMAIL)}`);
    await page.getByRole('link', { name: 'Erase this person…' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Erase ${EMAIL}?`);
    await screenshot(page, `${viewport.label}-person-erase`);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/sign-in');
    expect((await context.cookies()).find((c) => c.name === '__Secure-cb_admin')).toBeUndefined();
    await page.goto(`${collector.url}/admin/install`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');

    expect(problems).toEqual([]);
    await context.close();
  }
});

it('a phone-sized screen needs no horizontal scrolling on the person page and the new sections', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signInAdmin(page, collector.url, SK);
  for (const path of [
    `/admin/people/${encodeURIComponent(EMAIL)}`,
    '/admin/overview',
    '/admin/destinations',
    '/admin/destinations/new/microsoft_ads',
    '/admin/conversions',
    '/admin/change-log',
    '/admin/install',
  ]) {
    await page.goto(collector.url + path);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await context.close();
});

it('uploads a CSV of people and follows the job to the person page', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAdmin(page, collector.url, SK);
  await page.goto(`${collector.url}/admin/people/upload`);
  await page.getByLabel('CSV file').setInputFiles({
    name: 'people.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      'email,lead.status,lead.sql_at\ncsv.one@example.com,sql,2026-11-20\ncsv.two@example.com,mql,\n',
    ),
  });
  await page.getByLabel('Source').fill('hubspot');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect.poll(() => page.getByRole('status').first().textContent()).toContain('2 people were accepted');
  await page.getByRole('link', { name: 'Follow the progress' }).click();
  // The progress block refreshes itself until the job is done.
  await expect.poll(() => page.locator('#job').textContent(), { timeout: 60_000 }).toContain('2 of 2 applied');
  await screenshot(page, 'desktop-people-upload-done');
  await page.goto(`${collector.url}/admin/people/${encodeURIComponent('csv.one@example.com')}`);
  expect(await page.getByText('hubspot.lead.status').count()).toBe(1);
  expect(problems).toEqual([]);
  await context.close();
});
