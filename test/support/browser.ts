import { chromium, type Browser, type BrowserContext } from 'playwright-core';
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
];

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
