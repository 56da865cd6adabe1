// Shared by the tag's end-to-end suites: a customer site on its own origin that serves the built
// tag's ES module too, and helpers that read what reached the real collector.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEV_VARS, type RunningCollector } from '../support/collector';

export const SK = DEV_VARS.SECRET_KEY!;
export const PK = DEV_VARS.PUBLISHABLE_KEY!;

export interface TagSite {
  url: string;
  close(): Promise<void>;
}

/** Every path serves a page with `head` in <head> and `body` in <body>; /tag.mjs is the built ES module. */
export async function startTagSite(render: (path: string) => { head?: string; body?: string }): Promise<TagSite> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/tag.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(readFileSync('dist/tag.mjs'));
    }
    const { head = '', body = '' } = render(req.url ?? '/');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>site ${req.url}</title>${head}</head><body>${body}</body></html>`,
    );
  });
  // Port 0: the kernel's choice, bound at once (a port chosen first could be taken before the bind).
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function snippetOf(collector: RunningCollector): Promise<string> {
  const res = await fetch(`${collector.url}/api/install`, { headers: { authorization: `Bearer ${SK}` } });
  return ((await res.json()) as { snippet: string }).snippet;
}

export async function person(collector: RunningCollector, email: string): Promise<any | null> {
  const res = await fetch(`${collector.url}/api/people/${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${SK}` },
  });
  if (res.status === 404) return null;
  expect(res.status).toBe(200);
  return res.json();
}

/** Polls the collector until the person exists and `check` passes (or the timeout throws). */
export async function waitForPerson(
  collector: RunningCollector,
  email: string,
  check: (p: any) => void = () => {},
  timeout = 40_000,
): Promise<any> {
  let last: unknown;
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    try {
      const p = await person(collector, email);
      if (p) {
        check(p);
        return p;
      }
    } catch (e) {
      last = e;
    }
  }
  throw last ?? new Error(`${email} never reached the collector`);
}

export async function tagReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).clearbit?.initialize === true);
}

/** Every /v1/collect request the browser context makes, with its parsed body and status. */
export function recordCollect(context: BrowserContext) {
  const requests: { events: any[]; status?: number }[] = [];
  // By the request itself: retries carry the same events, so a body never tells which attempt a response answers.
  const byRequest = new WeakMap<object, { events: any[]; status?: number }>();
  context.on('request', (r) => {
    if (!r.url().endsWith('/v1/collect') || r.method() !== 'POST') return;
    const entry = { events: JSON.parse(r.postData() ?? '{}').events ?? [] };
    byRequest.set(r, entry);
    requests.push(entry);
  });
  context.on('response', (r) => {
    const entry = byRequest.get(r.request());
    if (entry) entry.status = r.status();
  });
  return requests;
}

/** What the tag left in the page's own storage: localStorage keys, cookie names and IndexedDB names. */
export async function pageStorage(
  page: Page,
): Promise<{ localStorage: string[]; cookies: string[]; indexedDB: string[] }> {
  const inPage = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    indexedDB: ((await indexedDB.databases()) as { name: string }[]).map((d) => d.name),
  }));
  const cookies = (await page.context().cookies(page.url())).map((c) => c.name);
  return { ...inPage, cookies };
}
