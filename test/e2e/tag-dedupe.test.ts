// Pixel and server send the same event id (docs/deduplication.md), in Chromium against the collector
// on workerd: a page with a stub Meta pixel identifies a visitor who thereby enters an audience; the
// collect answer hands the page the conversion, the page fires fbq with its eventID (and GTM's
// dataLayer gets clearbit_conversion), and the Meta contract fake later receives the server's event
// with that same event_id and event_name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchProfile } from '../support/browser';
import { startCollector, type RunningCollector } from '../support/collector';
import { startMetaFake, type MetaFake } from '../fakes/meta';
import { SK, snippetOf, startTagSite, tagReady, type TagSite } from './tag-support';

const META = { pixelId: '8765432', accessToken: 'EAAe2e-dedupe-meta-token-01' };
let collector: RunningCollector;
let meta: MetaFake;
let site: TagSite;
let browser: BrowserContext;
let dir: string;
let snippet: string;

async function api(path: string, body: unknown): Promise<any> {
  const res = await fetch(collector.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

beforeAll(async () => {
  [collector, meta] = await Promise.all([startCollector(), startMetaFake(META)]);
  snippet = await snippetOf(collector);
  site = await startTagSite(() => ({
    head: `<script>
      window.dataLayer = [];
      window.fbqCalls = [];
      window.fbq = function () { fbqCalls.push([].slice.call(arguments)); };
    </script>${snippet}<script>
      clearbit.on('conversion', function (c) {
        if (c.platform === 'meta') fbq('track', c.eventName, {}, { eventID: c.eventId });
      });
      clearbit.identify('dedupe.one@example.com', { demo: 'requested', demo_at: new Date().toISOString() });
    </script>`,
  }));
  dir = mkdtempSync(join(tmpdir(), 'chromium-dedupe-'));
  browser = await launchProfile(dir);
  const destination = await api('/api/destinations', {
    type: 'meta',
    name: 'Meta dedupe',
    mode: 'live',
    endpoint: meta.url,
    settings: META,
  });
  const audience = await api('/api/audiences', {
    name: 'Demo requested',
    allowTraits: true,
    criteria: { field: 'traits.demo', op: 'eq', value: 'requested' },
    timestamp: { field: 'traits.demo_at', withinDays: 7 },
  });
  await api(`/api/audiences/${audience.id}/conversions`, { destinationId: destination.id, eventName: 'Schedule' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  await site?.close();
  await Promise.all([collector?.stop(), meta?.stop()]);
});

it('the page’s Meta pixel gets the eventID the Conversions API event later carries', async () => {
  const page = await browser.newPage();
  await page.goto(site.url + '/demo');
  await tagReady(page);
  await page.waitForFunction(() => (window as any).fbqCalls.length > 0, undefined, { timeout: 60_000 });
  const calls = await page.evaluate(() => (window as any).fbqCalls);
  expect(calls).toHaveLength(1);
  const [method, name, data, options] = calls[0];
  expect([method, name, data]).toEqual(['track', 'Schedule', {}]);
  expect(options.eventID).toMatch(/^[0-9a-f]{32}$/);
  const pushed = await page.evaluate(() =>
    (window as any).dataLayer.filter((e: any) => e.event === 'clearbit_conversion'),
  );
  expect(pushed).toEqual([
    expect.objectContaining({ event_id: options.eventID, event_name: 'Schedule', platform: 'meta' }),
  ]);

  // The server's copy, from the destination's outbox to the Meta fake.
  await expect.poll(() => meta.events.length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
  expect(meta.events).toHaveLength(1);
  expect(meta.events[0]!.event).toMatchObject({ event_name: 'Schedule', event_id: options.eventID });
});
