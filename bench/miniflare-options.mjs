// The Miniflare options that run the collector's production bundle (dist/worker, from `wrangler
// deploy --dry-run --outdir dist/worker`) as wrangler.toml configures it, with Durable Objects
// persisted in `stateDir`. No side effects on import: the populate bench (miniflare-collector.mjs)
// and test/e2e/audiences-populate-scale.test.ts share it.
import { existsSync } from 'node:fs';
import http from 'node:http';
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

/**
 * Keeps the connections the runtime opens to Miniflare's loopback server (a node:http server in this
 * process) open while idle: every node:http server created until the undo it returns has no idle
 * timeout (in these processes: Miniflare's). Call it before `new Miniflare`.
 *
 * Why: Miniflare's queue broker reports each batch it delivered over that connection and takes the
 * next batch only once the report went out; a report that fails leaves it waiting for good (the queue
 * accepts messages and never delivers them again, with nothing logged; miniflare 4.20260426.0,
 * broker.worker.js #flush). node:http closes a connection idle for 5 s (keepAliveTimeout), and a
 * batch that runs longer leaves the broker's connection idle that long; on a loaded machine the
 * runtime then reuses the connection the server closed and the report fails with "Network connection
 * lost" (seen: a 15 s populate batch, the populate stopped at 500 of 2,000). With no idle timeout the
 * server never closes it.
 */
export function keepLoopbackConnections() {
  const createServer = http.createServer;
  if (createServer[KEEPS]) return () => {};
  const keeping = function (...args) {
    const server = createServer.apply(this, args);
    server.keepAliveTimeout = 0;
    return server;
  };
  keeping[KEEPS] = true;
  http.createServer = keeping;
  return () => {
    http.createServer = createServer;
  };
}
const KEEPS = Symbol('keeps loopback connections');
