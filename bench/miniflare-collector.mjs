// The collector's production bundle on local workerd through Miniflare (for its queue broker: plain
// workerd has none; `wrangler dev` adds a file watcher and a proxy that restarted the runtime under
// load). Stopped on every way out (cleanup.mjs).
import { Miniflare } from 'miniflare';
import { DEV_VARS_FOR_BENCH } from './dev-vars.mjs';
import { onCleanup } from './cleanup.mjs';
import { keepLoopbackConnections, miniflareOptions } from './miniflare-options.mjs';

/** Starts the bundle (build it first: buildBundle) with Durable Objects persisted in `stateDir`; `vars` adds to the bench keys. */
export async function startMiniflare(stateDir, { batchSize = 10, vars = {}, onOutput } = {}) {
  // The queue broker's batch reports must not meet a connection the loopback server closed (see there).
  keepLoopbackConnections();
  const mf = new Miniflare(
    miniflareOptions(stateDir, {
      batchSize,
      vars: { ...DEV_VARS_FOR_BENCH, ...vars },
      onOutput,
      verbose: !!process.env.BENCH_VERBOSE,
    }),
  );
  let unregister = () => {};
  const stop = async () => {
    unregister();
    await mf.dispose().catch(() => {});
  };
  unregister = onCleanup(stop);
  const url = (await mf.ready).origin;
  return { url, stop };
}
