import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchProfile } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { recordCollect, snippetOf, startTagSite, tagReady, waitForPerson, type TagSite } from './tag-support';

let reference: RunningCollector;
let snippet: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  reference = await startCollector();
  snippet = await snippetOf(reference);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await reference?.stop();
});

/** A site whose snippet points at a collector on `port`, and a browser profile for it. */
async function siteFor(port: number): Promise<{ site: TagSite; browser: BrowserContext }> {
  const head = snippet.replaceAll(reference.url, `http://127.0.0.1:${port}`);
  const site = await startTagSite(() => ({ head }));
  const dir = mkdtempSync(join(tmpdir(), 'chromium-outbox-'));
  const browser = await launchProfile(dir);
  // Run last first: the profile goes once the browser writing to it has closed.
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
    () => browser.close(),
    () => site.close(),
  );
  return { site, browser };
}

/** A page view; `until`, when given, is waited for before the page closes (a loaded machine may take seconds). */
async function visit(browser: BrowserContext, url: string, then?: string, until?: () => boolean) {
  const page = await browser.newPage();
  await page.goto(url);
  await tagReady(page);
  if (then) await page.evaluate(then);
  if (until) await expect.poll(until, { timeout: 30_000 }).toBe(true);
  await page.waitForTimeout(500);
  await page.close();
}

const sentIdentify = (requests: ReturnType<typeof recordCollect>, status?: number) => () =>
  requests.some((r) => (status === undefined || r.status === status) && r.events.some((e) => e.type === 'identify'));

function deliveries(requests: ReturnType<typeof recordCollect>, messageId: string) {
  const attempts = requests.filter((r) => r.events.some((e) => e.messageId === messageId));
  return { attempts: attempts.length, delivered: attempts.filter((r) => r.status && r.status < 300).length };
}

it(
  'loses nothing and counts nothing twice when the collector is stopped for several page loads',
  { timeout: 240_000 },
  async () => {
    const persistDir = mkdtempSync(join(tmpdir(), 'collector-outbox-'));
    cleanups.push(() => rmSync(persistDir, { recursive: true, force: true }));
    let collector = await startCollector({ persistDir });
    cleanups.push(() => collector.stop()); // whichever runs when the test ends, also when it fails
    const port = collector.port; // the restart comes back on it: the site's snippet points there
    const { site, browser } = await siteFor(port);
    const requests = recordCollect(browser);

    // The landing page's touch delivered: its sender (tag-send.js) is then in the browser's cache, which
    // is the only place the pages of the outage can get it from.
    await visit(browser, `${site.url}/landing?gclid=Cj0KCQ-before-outage`, undefined, () =>
      requests.some((r) => r.status === 200),
    );
    await collector.stop();
    // Its first attempt made (and refused) before the page closes, so it is the identify we follow.
    await visit(
      browser,
      `${site.url}/signup`,
      `clearbit.identify('outage@example.com', { plan: 'team' })`,
      sentIdentify(requests),
    );
    const identify = requests.flatMap((r) => r.events).find((e) => e.type === 'identify');
    for (const path of ['/a', '/b', '/c']) await visit(browser, `${site.url}${path}`);
    expect(deliveries(requests, identify.messageId).delivered).toBe(0);

    collector = await startCollector({ port, persistDir });
    const page = await browser.newPage();
    await page.goto(`${site.url}/back`);
    // The outbox's backoff grew during the outage: the retry may be tens of seconds away.
    const p = await waitForPerson(collector, 'outage@example.com', undefined, 90_000);
    expect(p.attributes.traits).toEqual({ plan: 'team' });
    expect(p.touches.filter((t: any) => t.kind === 'gclid').map((t: any) => t.value)).toEqual(['Cj0KCQ-before-outage']);
    // The stored person may show before the browser has the answer; then a second delivery would follow at once.
    await expect.poll(() => deliveries(requests, identify.messageId).delivered, { timeout: 15_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    const { attempts, delivered } = deliveries(requests, identify.messageId);
    expect(attempts).toBeGreaterThan(1); // retried under the same message id
    expect(delivered).toBe(1);
    // Nothing left to send: the next page makes no request.
    const before = requests.length;
    await visit(browser, `${site.url}/after`);
    expect(requests.length).toBe(before);
  },
);

it('keeps retrying while the collector answers 503, then delivers exactly once', { timeout: 240_000 }, async () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'collector-503-'));
  cleanups.push(() => rmSync(persistDir, { recursive: true, force: true }));
  // Without its identity secret the collector answers 503 not_configured to every batch.
  let collector = await startCollector({ persistDir, vars: { IDENTITY_SECRET: '' } });
  cleanups.push(() => collector.stop()); // whichever runs when the test ends, also when it fails
  const port = collector.port; // the restart comes back on it: the site's snippet points there
  const { site, browser } = await siteFor(port);
  const requests = recordCollect(browser);

  // The identify answered 503 before the page closes (a closed page's keepalive request has no answer we see).
  await visit(browser, `${site.url}/signup`, `clearbit.identify('busy@example.com')`, sentIdentify(requests, 503));
  for (const path of ['/a', '/b']) await visit(browser, `${site.url}${path}`);
  const identify = requests.flatMap((r) => r.events).find((e) => e.type === 'identify');
  expect(requests.map((r) => r.status)).toContain(503);
  expect(deliveries(requests, identify.messageId).delivered).toBe(0);

  await collector.stop();
  collector = await startCollector({ port, persistDir });
  const page = await browser.newPage();
  await page.goto(`${site.url}/back`);
  await waitForPerson(collector, 'busy@example.com', undefined, 90_000);
  // The stored person may show before the browser has the answer; then a second delivery would follow at once.
  await expect.poll(() => deliveries(requests, identify.messageId).delivered, { timeout: 15_000 }).toBeGreaterThan(0);
  await page.waitForTimeout(1000);
  expect(deliveries(requests, identify.messageId)).toMatchObject({ delivered: 1 });
});

it(
  'a denial takes back what waited in the outbox: no click ID stays stored, the identify goes without them',
  { timeout: 240_000 },
  async () => {
    const GCLID = 'Cj0KCQ-queued-before-denial';
    const persistDir = mkdtempSync(join(tmpdir(), 'collector-deny-'));
    cleanups.push(() => rmSync(persistDir, { recursive: true, force: true }));
    // Without its identity secret the collector answers 503 to every batch: events wait in the outbox.
    let collector = await startCollector({ persistDir, vars: { IDENTITY_SECRET: '' } });
    const port = collector.port; // the restart comes back on it: the site's snippet points there
    cleanups.push(() => collector.stop()); // whichever runs when the test ends, also when it fails
    const { site, browser } = await siteFor(port);
    const requests = recordCollect(browser);
    const page = await browser.newPage();
    await page.goto(`${site.url}/landing?gclid=${GCLID}`);
    await tagReady(page);
    await page.evaluate(() => (window as any).clearbit.identify('denies@example.com'));
    // (The identify may wait for the touch event's first backoff, about a second.)
    await expect
      .poll(() => requests.some((r) => r.status === 503 && r.events.some((e) => e.type === 'identify')), {
        timeout: 15_000,
      })
      .toBe(true);
    // Everything the page's own storage holds, values included.
    const stored = () =>
      page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            const open = indexedDB.open('_cb_outbox');
            open.onsuccess = () => {
              const get = open.result.transaction('events').objectStore('events').get('_cb_outbox');
              get.onsuccess = () => (
                open.result.close(),
                resolve(JSON.stringify({ ...localStorage }) + document.cookie + JSON.stringify(get.result ?? null))
              );
            };
          }),
      );
    expect(await stored()).toContain(GCLID);

    await page.evaluate(() => (window as any).clearbit.consent({ ads: 'denied' }));
    await expect.poll(stored, { timeout: 15_000 }).not.toContain(GCLID);
    expect((await page.context().cookies(page.url())).map((c) => c.name)).not.toContain('_cb_ids');

    // Counted before the restart: the tag's own backoff may deliver while the collector is starting.
    const sentBefore = requests.length;
    await collector.stop();
    collector = await startCollector({ port, persistDir });
    await page.evaluate(() => dispatchEvent(new Event('online')));
    // 'online' does not cut the backoff short: the retry may be tens of seconds away.
    const p = await waitForPerson(collector, 'denies@example.com', undefined, 90_000);
    expect(p.touches).toEqual([]);
    // Every attempt since (refused while stopped, then the one that lands) carries the identify alone, without click IDs.
    const after = requests.slice(sentBefore);
    expect(
      new Set(after.flatMap((r) => r.events).map((e) => JSON.stringify([e.type, e.touches, e.context.consent.ads]))),
    ).toEqual(new Set([JSON.stringify(['identify', [], 'denied'])]));
    await expect
      .poll(() => after.filter((r) => r.status !== undefined && r.status < 300).length, { timeout: 15_000 })
      .toBe(1);
    expect(await stored()).not.toContain(GCLID);
    await page.close();
  },
);
