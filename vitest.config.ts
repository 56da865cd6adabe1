import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { devVars } from './test/support/dev-vars';

// Tests beside the code (`collector/**/x.test.ts` next to `x.ts`) prove pure rules and run in Node
// (project `unit`, milliseconds each). One that needs the Workers runtime imports `cloudflare:*`
// (or is named `*.workerd.test.ts`) and runs in workerd (project `collector`) with the system suites
// of test/worker/. The split is read from the files, so a new test lands in the right project by itself.
const WORKERD_ONLY = /from\s+['"]cloudflare:|import\(\s*['"]cloudflare:/;
const besideTests = (readdirSync('collector', { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `collector/${f.split('\\').join('/')}`);
const besideWorkerd = besideTests.filter(
  (f) => f.endsWith('.workerd.test.ts') || WORKERD_ONLY.test(readFileSync(f, 'utf8')),
);

const SCALE = 'test/e2e/audiences-populate-scale.test.ts';

// One run, ten projects: pure shared code and pure collector rules (unit) in Node, the tag in happy-dom, the GTM template in a
// sandbox harness in Node, the ad-platform fakes in Node, the collector inside
// workerd (real Durable Objects, SQLite, Queues), and end-to-end suites driving real Chromium.
// vitest runs projects one after another (its sequencer sorts files by project name), so two workers
// would both run workerd suites, then both run Chromium suites. Alternating the two kinds keeps one
// worker on each most of the time: the workerd suites are CPU-bound, the system suites mostly wait on
// Chromium and their collector, and together they share two cores better than two of a kind.
// Two workerd files at once are safe: each vitest worker has its own workerd and its own fakes
// (test/fakes/global-setup.ts, test/worker/setup.ts).
// `npm test` runs the `collector` project and the rest as two vitest runs side by side instead
// (scripts/test.mjs says why); this order is for a plain `npx vitest run`.
const SYSTEM = new Set(['e2e', 'reliability', 'scripts']);
class Alternating extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const system = sorted.filter((f) => SYSTEM.has(f.project.name));
    const rest = sorted.filter((f) => !SYSTEM.has(f.project.name));
    const out: TestSpecification[] = [];
    while (system.length || rest.length) {
      if (system.length) out.push(system.shift()!);
      if (rest.length) out.push(rest.shift()!);
    }
    return out;
  }
}

export default defineConfig({
  test: {
    // Two files at a time on two cores (vitest's default there would be one): the system suites
    // spend much of their time waiting on Chromium and the collector's answers. On more cores
    // vitest's default (cores - 1) is kept.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: Alternating },
    projects: [
      // Pure code without globals or mocks: one Node process runs every file (isolate: false) instead of one per file.
      { test: { name: 'shared', environment: 'node', include: ['shared/**/*.test.ts'], isolate: false } },
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['collector/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...besideWorkerd],
          isolate: false,
        },
      },
      { test: { name: 'tag', environment: 'happy-dom', include: ['tag/**/*.test.ts'] } },
      // gtm and fakes: one Node process for all files (isolate: false), as for shared and unit: no file mocks
      // or stubs a global, and a process per file loading the vendors' SDKs anew cost more CPU than the tests.
      { test: { name: 'gtm', environment: 'node', include: ['test/gtm/**/*.test.ts'], isolate: false } },
      // Contract fakes of the ad platforms (loopback Node servers) and the delivery code driven against them.
      // The operator's commands (npm run setup, npm run smoke) against a fake wrangler and a local collector.
      {
        test: {
          name: 'scripts',
          environment: 'node',
          include: ['test/scripts/**/*.test.ts'],
          globalSetup: ['test/support/scratch-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'fakes',
          environment: 'node',
          include: ['test/fakes/**/*.test.ts'],
          testTimeout: 30_000,
          isolate: false,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // The same local-only keys `npm start` writes to .dev.vars; tests never read .dev.vars.
              // FUZZ_RUNS: cases per endpoint in the fuzz suites (scripts/fuzz.mjs sets 10,000; CI uses the default sample).
              bindings: { ...devVars(), FUZZ_RUNS: process.env.FUZZ_RUNS ?? '' },
            },
          }),
        ],
        test: {
          name: 'collector',
          include: [...besideWorkerd, 'test/worker/**/*.test.ts'],
          // One workerd (one Miniflare) runs every file, one after another. With isolation each file
          // started its own Miniflare and imported hono, zod and the collector anew through the module
          // runner: about half the project's wall time. test/worker/setup.ts gives each file what a
          // fresh runtime would (every Durable Object deleted, the collector's modules evaluated anew).
          isolate: false,
          setupFiles: ['test/worker/setup.ts'],
          // A file's first request evaluates the collector's modules anew (setup.ts); with a system
          // suite or a second workerd beside it on two loaded cores that alone passed vitest's 5 s.
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The ad-platform fakes run in Node; DestinationObject tests reach them over loopback.
          globalSetup: ['test/fakes/global-setup.ts'],
        },
      },
      // The fault suite: the whole system on loopback, a fresh collector per scenario (RELIABILITY_PEOPLE for the big run).
      {
        test: {
          name: 'reliability',
          // The production bundle, built once per run, for the collectors these suites start (test/support/collector.ts).
          globalSetup: ['test/support/scratch-setup.ts', 'test/support/bundle-setup.ts'],
          environment: 'node',
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
      // Chromium and the collector end to end; each file starts its own collector (Miniflare on the bundle,
      // its own port and state), so the files run side by side and beside the other projects.
      {
        test: {
          name: 'e2e',
          // The bundle, and one Chromium the files without a profile on disk connect to (browser-setup.ts).
          globalSetup: [
            'test/support/scratch-setup.ts',
            'test/support/bundle-setup.ts',
            'test/support/browser-setup.ts',
          ],
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, SCALE],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      // The 2,000-person populate runs alone, after the rest: its batches are the longest of any suite, and
      // under load Miniflare's queue broker once stopped for good on one (docs/testing.md says why and what now guards it).
      {
        test: {
          name: 'e2e-scale',
          globalSetup: ['test/support/scratch-setup.ts', 'test/support/bundle-setup.ts'],
          environment: 'node',
          include: [SCALE],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
