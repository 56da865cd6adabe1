import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sharedBrowser } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { screenshot, signInAdmin, watchConsole } from './admin-helpers';

const SK = 'sk_dev_local';
let collector: RunningCollector;
let browser: Browser;

beforeAll(async () => {
  // No webhook secret in the environment: the admin manages it.
  collector = await startCollector({ vars: { SEGMENT_WEBHOOK_SECRET: '' } });
  browser = await sharedBrowser();
});

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
});

function webhook(secret: string, event: unknown) {
  const body = JSON.stringify(event);
  return fetch(`${collector.url}/segment/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': createHmac('sha1', secret).update(body).digest('hex'),
    },
    body,
  });
}

it('generates the Segment webhook secret, which the webhook then accepts', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAdmin(page, collector.url, SK);
  await page.goto(`${collector.url}/admin/install`);
  expect(await page.getByText('not set: the webhook refuses every call').count()).toBe(1);
  const event = {
    type: 'identify',
    messageId: 'seg-admin-1',
    userId: 'u1',
    anonymousId: 'anon_seg_admin',
    traits: { email: 'segment.admin@example.com' },
    timestamp: new Date().toISOString(),
  };
  expect((await webhook('whsec_guess', event)).status).toBe(503);

  await page.getByRole('button', { name: 'Generate a shared secret' }).click();
  const secret = await page.getByLabel('Shared secret').inputValue();
  expect(secret).toMatch(/^whsec_/);
  await screenshot(page, 'desktop-install-segment-secret');
  expect((await webhook('whsec_wrong', event)).status).toBe(401);
  expect((await webhook(secret, event)).status).toBe(200);

  // Shown once: reloading shows that one is set, not its value.
  await page.goto(`${collector.url}/admin/install`);
  expect(await page.getByText('It is not shown again').count()).toBe(1);
  expect(await page.content()).not.toContain(secret);
  await page.getByRole('button', { name: 'Remove it' }).click();
  await page.waitForURL((u) => u.pathname === '/admin/install');
  expect((await webhook(secret, event)).status).toBe(503);
  expect(problems).toEqual([]);
  await context.close();
});
