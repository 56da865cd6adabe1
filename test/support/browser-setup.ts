// globalSetup of `e2e`: one Chromium for the run. Files that need a browser without a profile on disk
// connect to it (`sharedBrowser()` in browser.ts) and open their own contexts (cookies, storage and
// cache of their own), instead of launching and stopping a Chromium of their own each: a launch costs
// more CPU than most of those files' pages. Files that relaunch a browser on a profile (the tag's
// storage surviving a restart) still launch their own (`launchProfile`).
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    browserEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  project.provide('browserEndpoint', server.wsEndpoint());
  return () => server.close();
}
