import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  ...disabledFeatures(['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup']),
];

/**
 * Headless Chromium 156 still preloads the address bar's WebUI popups, in a renderer of their own per
 * browser (about a second of CPU each: a fifth of the browsers' CPU besides the pages in a run).
 * Chromium keeps only the last `--disable-features`, so ours carries Playwright's own list too (read
 * from playwright-core; its HttpsUpgrades, ThirdPartyStoragePartitioning and the like stay off). When
 * that list cannot be read, nothing is added: the popups cost CPU, a lost default would change pages.
 */
function disabledFeatures(ours: string[]): string[] {
  try {
    const pkg = createRequire(import.meta.url).resolve('playwright-core/package.json');
    const bundle = readFileSync(join(dirname(pkg), 'lib/coreBundle.js'), 'utf8');
    const list = /disabledFeatures = \[([^\]]*)\]/.exec(bundle)?.[1];
    const theirs = [...(list ?? '').matchAll(/^\s*"(\w+)"/gm)].map((m) => m[1]!);
    if (theirs.length < 5) return [];
    return [`--disable-features=${[...theirs, ...ours].join(',')}`];
  } catch {
    return [];
  }
}

/** A Chromium with a profile on disk, so storage survives closing and relaunching the browser. */
export function launchProfile(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * The run's Chromium (test/support/browser-setup.ts), connected to anew by each file. Closing what
 * this returns closes the file's contexts and pages and disconnects; the browser stays for the next file.
 */
export function sharedBrowser(): Promise<Browser> {
  const endpoint = inject('browserEndpoint');
  if (!endpoint) throw new Error("no shared browser: list test/support/browser-setup.ts in the project's globalSetup");
  return chromium.connect(endpoint);
}
