// The Ladders section in real Chromium against the production bundle: a ladder made from the CRM
// template through the form, sending to a dry-run Meta destination; CRM people moving through the
// stages show up as weekly counts with the rarity hint; no console errors (the CSP allows no inline
// styles or scripts), every control labelled, no sideways scrolling on a phone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { screenshot, signInAdmin, unlabelledControls, watchConsole } from './admin-helpers';

const SK = 'sk_dev_local';
const DAY = 86_400_000;
let collector: RunningCollector;
let browser: Browser;

async function api(path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(collector.url + path, {
    ...init,
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  collector = await startCollector();
  browser = await sharedBrowser();
});

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

it('creates a ladder from the template and shows each stage counted, on a desktop and a phone', async () => {
  const meta = await api('/api/destinations', {
    method: 'POST',
    body: JSON.stringify({
      type: 'meta',
      name: 'Meta (dry run)',
      mode: 'dry_run',
      settings: { pixelId: '123456789012345', accessToken: 'EAAB-e2e-token-123' },
    }),
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAdmin(page, collector.url, SK);

  await page.getByRole('link', { name: 'Ladders' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ladders');
  await page.getByRole('link', { name: 'New ladder' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('New ladder');
  expect(await unlabelledControls(page)).toEqual([]);
  await page.locator('#lt-name').fill('CRM funnel');
  await page.getByLabel('Stages from').selectOption('crm');
  await page.getByLabel('Send each stage to (optional)').selectOption(meta.id);
  await page.getByLabel('Currency').fill('EUR');
  await screenshot(page, 'desktop-ladder-new');
  await Promise.all([
    page.waitForURL((u) => /\/admin\/ladders\/lad_/.test(u.pathname)),
    page.getByRole('button', { name: 'Create ladder from template' }).click(),
  ]);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('CRM funnel');
  const ladderUrl = page.url();

  // Three people: two won, one still an MQL; all inside the window.
  const now = Date.now();
  const at = (days: number) => new Date(now - days * DAY).toISOString();
  const people = [
    {
      email: 'ladder.one@example.com',
      source: 'crm',
      attributes: {
        lifecycle_stage: 'won',
        lead_at: at(4),
        mql_at: at(3),
        sql_at: at(2),
        opportunity_at: at(1),
        won_at: at(0.5),
        deal: { amount: '12,500.00' },
      },
    },
    {
      email: 'ladder.two@example.com',
      source: 'crm',
      attributes: {
        lifecycle_stage: 'won',
        lead_at: at(5),
        mql_at: at(4),
        sql_at: at(3),
        opportunity_at: at(2),
        won_at: at(1),
        deal: { amount: 7500 },
      },
    },
    {
      email: 'ladder.three@example.com',
      source: 'crm',
      attributes: { lifecycle_stage: 'mql', lead_at: at(2), mql_at: at(1) },
    },
  ];
  const job = await api('/v1/people', { method: 'POST', body: JSON.stringify({ people }) });
  for (let i = 0; ; i++) {
    const ladder = await api(new URL(ladderUrl).pathname.replace('/admin/ladders/', '/api/ladders/'));
    const weekly = ladder.stages.map((s: any) => s.weekly.at(-1));
    if (JSON.stringify(weekly) === JSON.stringify([3, 3, 2, 2, 2])) break;
    if (i > 120) throw new Error(`counts never reached 3,3,2,2,2: ${JSON.stringify(weekly)} (job ${job.jobId})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await page.reload();
  const stages = page.locator('#stages tbody tr');
  await expect.poll(() => stages.count()).toBe(5);
  expect(await stages.nth(0).textContent()).toContain('Lead: 13 a month: too rare to optimize bidding on');
  expect(await stages.nth(4).textContent()).toContain('Won: 8.7 a month');
  expect(await stages.nth(4).textContent()).toContain('20,000 EUR (2)');
  await page.getByRole('link', { name: 'Ladder: SQL (CRM, 30 days)' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ladder: SQL (CRM, 30 days)');
  await page.goBack();
  expect(await unlabelledControls(page)).toEqual([]);
  await screenshot(page, 'desktop-ladder-view');
  expect(problems).toEqual([]);
  await context.close();

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const small = await phone.newPage();
  await signInAdmin(small, collector.url, SK);
  for (const path of ['/admin/ladders', '/admin/ladders/new', new URL(ladderUrl).pathname]) {
    await small.goto(collector.url + path);
    const overflow = await small.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await screenshot(small, 'phone-ladder-view');
  await phone.close();
});
