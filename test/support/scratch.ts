import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * A new directory for a test's files, inside the run's scratch directory (scratch-setup.ts removes
 * it when the run ends), or in the system's temp directory for a project without that setup.
 */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(inject('scratchRoot') ?? tmpdir(), prefix));
}
