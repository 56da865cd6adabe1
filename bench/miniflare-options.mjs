// The Miniflare options that run the collector's production bundle (dist/worker, from `wrangler
// deploy --dry-run --outdir dist/worker`) as wrangler.toml configures it, with Durable Objects
// persisted in `stateDir`. No side effects on import: the populate bench (miniflare-collector.mjs)
// and test/e2e/audiences-populate-scale.test.ts share it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Log, LogLevel } from 'miniflare';

// The repository root, also when this file is bundled into dist/bench by bench/run.mjs.
export const ROOT = resolve(
  import.meta.dirname,
  existsSync(resolve(import.meta.dirname, '../package.json')) ? '..' : '../..',
);

/** `vars` are the Worker's bindings (keys); `batchSize` the JOBS consumer's (wrangler.toml: 10). */
export function miniflareOptions(stateDir, { batchSize = 10, vars = {}, onOutput, verbose = false } = {}) {
  return {
    modules: true,
    scriptPath: join(ROOT, 'dist/worker/index.js'),
    modulesRoot: join(ROOT, 'dist/worker'),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: vars,
    durableObjects: Object.fromEntries(
      [
        ['PERSON', 'PersonObject'],
        ['VISITOR', 'VisitorObject'],
        ['CONFIG', 'ConfigObject'],
        ['DIRECTORY', 'DirectoryObject'],
        ['DESTINATION', 'DestinationObject'],
      ].map(([b, c]) => [b, { className: c, useSQLite: true }]),
    ),
    durableObjectsPersist: join(stateDir, 'do'),
    queueProducers: { JOBS: { queueName: 'open-conversions-jobs' } },
    queueConsumers: { 'open-conversions-jobs': { maxBatchSize: batchSize, maxBatchTimeout: 1, maxRetries: 10 } },
    // A fixed Request.cf: Miniflare would otherwise fetch one from the internet.
    cf: { colo: 'LOCAL', country: 'DE' },
    host: '127.0.0.1',
    port: 0,
    log: new Log(verbose ? LogLevel.DEBUG : LogLevel.WARN),
    // The runtime's stdout/stderr (console.* of the Worker) to a caller that checks it, else to ours.
    ...(onOutput
      ? {
          handleRuntimeStdio: (out, err) => (
            out.on('data', (d) => onOutput(String(d))),
            err.on('data', (d) => onOutput(String(d)))
          ),
        }
      : {}),
  };
}
