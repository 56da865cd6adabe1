import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { screenshot, signInAdmin, watchConsole } from './admin-helpers';

const SK = 'sk_dev_local';
let collector: RunningCollector;
let browser: Browser;
const PEOPLE = ['builder.one@example.com', 'builder.two@example.com', 'builder.free@example.com'];

beforeAll(async () => {
  collector = await startCollector();
  browser = await sharedBrowser();
  const signedUp = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const events = PEOPLE.map((email, i) => ({
    type: 'identify',
    messageId: `builder-${i}`,
    anonymousId: `anon_builder_${i}`,
    email,
    traits: { plan: email.includes('free') ? 'free' : 'enterprise', signed_up_at: signedUp, seats: 10 * (i + 1) },
    touches: [
      {
        kind: 'gclid',
        value: `Cj0KCQbuilder_${i}`,
        firstSeen: Date.now() - 4 * 86_400_000,
        landingUrl: 'https://site.example/pricing',
      },
    ],
  }));
  const res = await fetch(`${collector.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'http://localhost:3000' },
    body: JSON.stringify({ key: 'pk_dev_local', events }),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

it('builds an audience with the builder, audits its members and turns a conversion on', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAdmin(page, collector.url, SK);

  await page.getByRole('link', { name: 'Audiences' }).click();
  await screenshot(page, 'desktop-audiences-empty');
  await page.getByRole('link', { name: 'New audience' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('New audience');

  // The builder replaces the JSON as the editor: one empty row to start.
  await page.getByLabel('Name').fill('Enterprise sign-ups');
  await page.getByLabel('Field').first().fill('traits.plan');
  await page.getByLabel('Operator').first().selectOption('eq');
  await page.getByLabel('Value').first().fill('enterprise');
  await page.getByRole('button', { name: 'Add condition' }).first().click();
  await page.getByLabel('Field').nth(1).fill('traits.seats');
  await page.getByLabel('Operator').nth(1).selectOption('gte');
  await page.getByLabel('Value').nth(1).fill('10');
  await page.getByText('Criteria as JSON').click();
  const json = JSON.parse(await page.locator('#criteria').inputValue());
  expect(json).toEqual({
    all: [
      { field: 'traits.plan', op: 'eq', value: 'enterprise' },
      { field: 'traits.seats', op: 'gte', value: 10 },
    ],
  });
  await page.getByLabel('Timestamp field').fill('traits.signed_up_at');
  await page.getByLabel('Window in days').fill('30');
  await screenshot(page, 'desktop-audience-builder');

  // Browser traits need the opt-in: the form says so inline and keeps what was typed.
  await page.getByRole('button', { name: 'Create audience' }).click();
  await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('was not saved');
  expect(await page.getByText('set allowTraits: true').count()).toBeGreaterThan(0);
  expect(await page.getByLabel('Field').nth(1).inputValue()).toBe('traits.seats');
  await screenshot(page, 'desktop-audience-builder-error');
  problems.splice(0, problems.length, ...problems.filter((p) => !/400/.test(p)));

  await page.getByLabel('Allow browser-sent traits').check();
  await page.getByRole('button', { name: 'Create audience' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'created');
  const audienceUrl = page.url().split('?')[0];
  // The populate block refreshes itself until the job is done.
  await expect.poll(() => page.locator('#populate').textContent(), { timeout: 60_000 }).toContain('done');
  await page.reload();
  expect(await page.locator('#member-count').textContent()).toBe('2 members');
  await screenshot(page, 'desktop-audience');

  await page.getByRole('link', { name: 'Audit members' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Members of Enterprise sign-ups');
  // The heading may show before the rest of the document is parsed: counts need the whole of it.
  await page.waitForLoadState();
  expect(await page.getByRole('link', { name: 'builder.one@example.com' }).count()).toBe(1);
  expect(await page.getByRole('link', { name: 'builder.two@example.com' }).count()).toBe(1);
  expect(await page.getByRole('link', { name: 'builder.free@example.com' }).count()).toBe(0);
  await screenshot(page, 'desktop-audience-members');

  // Without a destination the page says to add one; with one (dry run), the form offers it.
  await page.goto(audienceUrl);
  expect(await page.getByText('No destination is configured yet').count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Turn conversion on' }).count()).toBe(0);
  const made = await fetch(`${collector.url}/api/destinations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'meta',
      name: 'Meta e2e',
      mode: 'dry_run',
      settings: { pixelId: '4242', accessToken: 'EAA-admin-e2e-token' },
    }),
  });
  expect(made.status).toBe(201);
  const destinationId = ((await made.json()) as { id: string }).id;
  await page.reload();
  await page.getByLabel('Destination', { exact: true }).selectOption(destinationId);
  await page.getByLabel('Event name (optional)').fill('Lead');
  expect(await page.getByLabel('Send existing members too').isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Turn conversion on' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'conversion-on');
  expect(await page.getByRole('cell', { name: 'Meta e2e' }).count()).toBe(1);
  await screenshot(page, 'desktop-audience-conversion-on');

  await page.getByRole('link', { name: 'Audit members' }).click();
  await expect.poll(() => page.getByText(destinationId, { exact: true }).count()).toBeGreaterThan(0);
  await screenshot(page, 'desktop-audience-members-conversion');

  expect(problems).toEqual([]);
  await context.close();
});
