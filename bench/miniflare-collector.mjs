// The collector's production bundle on local workerd through Miniflare (for its queue broker: plain
// workerd has none; `wrangler dev` adds a file watcher and a proxy that restarted the runtime under
// load). Stopped on every way out (cleanup.mjs).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { DEV_VARS_FOR_BENCH } from './dev-vars.mjs';
import { onCleanup } from './cleanup.mjs';

// The repository root, also when this file is bundled into dist/bench by bench/run.mjs.
const ROOT = resolve(import.meta.dirname, existsSync(resolve(import.meta.dirname, '../package.json')) ? '..' : '../..');

/** Starts the bundle (build it first: buildBundle) with Durable Objects persisted in `stateDir`; `vars` adds to the bench keys. */
export async function startMiniflare(stateDir, { batchSize = 10, vars = {}, onOutput } = {}) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(ROOT, 'dist/worker/index.js'),
    modulesRoot: join(ROOT, 'dist/worker'),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { ...DEV_VARS_FOR_BENCH, ...vars },
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
    log: new Log(process.env.BENCH_VERBOSE ? LogLevel.DEBUG : LogLevel.WARN),
    // The runtime's stdout/stderr (console.* of the Worker) to a caller that checks it, else to ours.
    ...(onOutput ? { handleRuntimeStdio: (out, err) => (out.on('data', (d) => onOutput(String(d))), err.on('data', (d) => onOutput(String(d)))) } : {}),
  });
  let unregister = () => {};
  const stop = async () => {
    unregister();
    await mf.dispose().catch(() => {});
  };
  unregister = onCleanup(stop);
  const url = (await mf.ready).origin;
  return { url, stop };
}
