// globalSetup of the suites that run the collector (e2e, e2e-scale, reliability): the production
// bundle (`wrangler deploy --dry-run`), built once per vitest run into a directory of its own
// (npm test's own deploy check writes dist/worker at the same time) and handed to the files through
// `inject('collectorBundle')`. Starting that bundle under Miniflare takes a third of `wrangler dev`'s
// start (which bundles again each time, then starts a proxy and a file watcher). wrangler.toml's
// bindings as Miniflare options are read here too, so no file imports wrangler to read them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

declare module 'vitest' {
  export interface ProvidedContext {
    collectorBundle: string;
    /** wrangler.toml read as Miniflare options, once per run (importing wrangler in each file cost seconds). */
    collectorWorkerOptions: Record<string, unknown>;
  }
}

const ROOT = resolve(import.meta.dirname, '../..');

// One build for every project that lists this setup: they share the vitest process.
const shared = globalThis as { collectorBundle?: Promise<string>; collectorBundleUsers?: number };

function build(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'collector-bundle-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };
  return new Promise((ok, fail) => {
    const child = spawn('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 && existsSync(join(outdir, 'index.js'))
        ? ok(outdir)
        : fail(new Error(`wrangler deploy --dry-run failed (${code}):\n${output}`)),
    );
  });
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(ROOT, 'collector/generated/tag-assets.ts'))) {
    throw new Error('the tag is not built: run `node esbuild.config.mjs` (npm test does) first');
  }
  shared.collectorBundleUsers = (shared.collectorBundleUsers ?? 0) + 1;
  const outdir = await (shared.collectorBundle ??= build());
  project.provide('collectorBundle', outdir);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml'));
  project.provide('collectorWorkerOptions', JSON.parse(JSON.stringify(workerOptions)));
  return () => {
    if (--shared.collectorBundleUsers! === 0) rmSync(outdir, { recursive: true, force: true });
  };
}
