// The operator's journey in real Chromium: sign in, add a Meta destination in dry_run (its test
// event answered by the Meta contract fake), build an audience with the builder, audit its members,
// turn a conversion on, and find the conversions in the log; allowed origins and the change log too.
// Every page is screenshotted to .test-results/screenshots for review.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { startMetaFake, type MetaFake } from '../fakes/meta';
import { screenshot, signInAdmin, unlabelledControls, watchConsole } from './admin-helpers';

const SK = 'sk_dev_local';
const META = { pixelId: '7654321', accessToken: 'EAAe2e-journey-meta-token-01' };
const PEOPLE = ['journey.one@example.com', 'journey.two@example.com', 'journey.free@example.com'];
let collector: RunningCollector;
let meta: MetaFake;
let browser: Browser;

beforeAll(async () => {
  [collector, meta] = await Promise.all([startCollector(), startMetaFake(META)]);
  browser = await sharedBrowser();
  const signedUp = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const events = PEOPLE.map((email, i) => ({
    type: 'identify',
    messageId: `journey-${i}`,
    anonymousId: `anon_journey_${i}`,
    email,
    traits: { plan: email.includes('free') ? 'free' : 'enterprise', signed_up_at: signedUp },
    touches: [
      {
        kind: 'fbclid',
        value: `IwAR_journey_${i}`,
        firstSeen: Date.now() - 3 * 86_400_000,
        landingUrl: 'https://site.example/pricing',
      },
      { kind: 'gclid', value: `Cj0KCQjourney_${i}`, firstSeen: Date.now() - 3 * 86_400_000 },
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
  await meta?.stop();
});

it('destination in dry_run → audience with the builder → member audit → conversion on → the conversions log', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAdmin(page, collector.url, SK);
  expect(new URL(page.url()).pathname).toBe('/admin/overview');
  await expect
    .poll(async () => Number(await page.locator('#stat-identified').textContent()), { timeout: 30_000, interval: 300 })
    .toBe(3);
  await page.reload();
  expect(await page.locator('#clicks-table').textContent()).toContain('Meta');

  // A Meta destination, in dry run, pointed at the contract fake.
  await page.getByRole('link', { name: 'Destinations', exact: true }).click();
  await page.getByRole('link', { name: 'Meta (Conversions API)' }).click();
  await expect
    .poll(() => page.getByRole('heading', { level: 1 }).textContent())
    .toBe('New destination: Meta (Conversions API)');
  expect(await page.getByLabel('dry_run').isChecked()).toBe(true);
  expect(await unlabelledControls(page)).toEqual([]);
  await page.getByLabel('Name').fill('Meta – journey');
  await page.getByLabel('Pixel (dataset) ID').fill(META.pixelId);
  await page.getByLabel('Access token').fill(META.accessToken);
  await page.getByLabel('Test event code').fill('TEST4242');
  await page.getByText('Custom endpoints (proxies, tests)').click();
  await page.locator('#dst-endpoint').fill(meta.url);
  await screenshot(page, 'desktop-destination-new');
  await page.getByRole('button', { name: 'Save destination' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'created');
  const destinationUrl = page.url().split('?')[0]!;
  const html = await page.content();
  expect(html).not.toContain(META.accessToken);
  expect(html).toContain('****n-01');
  await screenshot(page, 'desktop-destination');

  // The test event: the platform's own answer, shown on the page.
  await page.getByLabel('Email').fill('test.person@example.com');
  await page.getByRole('button', { name: 'Send test event' }).click();
  await expect.poll(() => page.locator('#test-outcome').textContent()).toBe('sent');
  expect(await page.locator('#test-response').textContent()).toContain('events_received');
  expect(meta.events.at(-1)?.testEventCode).toBe('TEST4242');
  await screenshot(page, 'desktop-destination-test-event');

  await page.goto(`${destinationUrl}/edit`);
  expect(await page.getByLabel('Access token').inputValue()).toBe('');
  await screenshot(page, 'desktop-destination-edit');

  // The audience, with the builder.
  await page.getByRole('link', { name: 'Audiences', exact: true }).click();
  await page.getByRole('link', { name: 'New audience' }).click();
  await page.getByLabel('Name').fill('Journey enterprise');
  await page.getByLabel('Field').first().fill('traits.plan');
  await page.getByLabel('Operator').first().selectOption('eq');
  await page.getByLabel('Value').first().fill('enterprise');
  await page.getByLabel('Timestamp field').fill('traits.signed_up_at');
  await page.getByLabel('Window in days').fill('30');
  await page.getByLabel('Allow browser-sent traits').check();
  await page.getByRole('button', { name: 'Create audience' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'created');
  const audienceUrl = page.url().split('?')[0]!;
  await expect.poll(() => page.locator('#populate').textContent(), { timeout: 60_000 }).toContain('done');
  await page.reload();
  expect(await page.locator('#member-count').textContent()).toBe('2 members');

  await page.getByRole('link', { name: 'Audit members' }).click();
  // The click returns once the members page is committed, not parsed: counts need the whole document.
  await page.waitForURL((u) => u.pathname.endsWith('/members'));
  expect(await page.getByRole('link', { name: 'journey.one@example.com' }).count()).toBe(1);
  expect(await page.getByRole('link', { name: 'journey.free@example.com' }).count()).toBe(0);
  await screenshot(page, 'desktop-journey-members');

  // Turn the conversion on for the destination, chosen by name.
  await page.goto(audienceUrl);
  await page
    .getByLabel('Destination', { exact: true })
    .selectOption({ label: 'Meta – journey (Meta (Conversions API), dry_run)' });
  await page.getByLabel('Event name (optional)').fill('Lead');
  await page.getByRole('button', { name: 'Turn conversion on' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'conversion-on');

  // The conversions log: both members' rows, recorded (dry run), each expanding to its request.
  await page.getByRole('link', { name: 'Conversions', exact: true }).click();
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator('ul.log > li').count();
      },
      { timeout: 60_000, interval: 500 },
    )
    .toBe(2);
  await page.getByLabel('Audience').selectOption({ label: 'Journey enterprise' });
  await page.getByLabel('Destination').selectOption({ label: 'Meta – journey' });
  await page.getByLabel('Status').selectOption('sent');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((u) => u.searchParams.get('status') === 'sent');
  await expect.poll(() => page.locator('ul.log > li').count(), { timeout: 15_000 }).toBe(2);
  const first = page.locator('ul.log details').first();
  await first.locator('summary').focus();
  await page.keyboard.press('Enter');
  expect(await first.getAttribute('open')).not.toBeNull();
  const expanded = await first.textContent();
  expect(expanded).toContain('Request (dry_run');
  expect(expanded).toMatch(/journey\.(one|two)@example\.com/);
  expect(expanded).toContain(`/${META.pixelId}/events`);
  expect(expanded).toContain('dry_run: recorded, not sent');
  expect(expanded).not.toContain(META.accessToken);
  await screenshot(page, 'desktop-conversions');
  // Dry run: nothing reached Meta but the one test event.
  expect(meta.events.length).toBe(1);

  // The person page links each conversion row to its payload and the platform's answer.
  await page.goto(`${collector.url}/admin/people/${encodeURIComponent('journey.one@example.com')}`);
  await page.getByRole('link', { name: "Payload and the platform's answer" }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Conversion /);
  expect(await page.locator('main').textContent()).toContain(`/${META.pixelId}/events`);
  await screenshot(page, 'desktop-conversion');

  // Install: an allowed origin, then the change log shows every change made above.
  await page.getByRole('link', { name: 'Install', exact: true }).click();
  await page.getByLabel('Added here').fill('https://shop.example.com');
  await page.getByRole('button', { name: 'Save allowed origins' }).click();
  await page.waitForURL((u) => u.searchParams.get('done') === 'origins');
  await screenshot(page, 'desktop-install-origins');
  await page.getByRole('link', { name: 'Change log', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/admin/change-log');
  const log = (await page.locator('main').textContent()) ?? '';
  for (const action of [
    'destination.created',
    'destination.test_sent',
    'audience.created',
    'conversion.on',
    'origins.changed',
  ])
    expect(log).toContain(action);
  await screenshot(page, 'desktop-change-log');

  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect.poll(() => page.locator('#status-table').textContent()).toContain('sent');
  await screenshot(page, 'desktop-overview');

  expect(problems).toEqual([]);
  await context.close();
});
