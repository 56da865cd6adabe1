// globalSetup of the system projects: one scratch directory for the run (collectors' state, configs
// written for a test), handed to the files through `inject('scratchRoot')` (scratch.ts) and removed
// when the last project listing it is done, so a run leaves nothing in the system's temp directory
// even when a file stops before its own clean-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    scratchRoot: string;
  }
}

// One directory for every project that lists this setup: they share the vitest process.
const shared = globalThis as { scratchRoot?: string; scratchUsers?: number };

export default function setup(project: TestProject) {
  shared.scratchUsers = (shared.scratchUsers ?? 0) + 1;
  shared.scratchRoot ??= mkdtempSync(join(tmpdir(), 'open-conversions-test-'));
  project.provide('scratchRoot', shared.scratchRoot);
  return () => {
    if (--shared.scratchUsers! > 0) return;
    rmSync(shared.scratchRoot!, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    shared.scratchRoot = undefined;
  };
}
