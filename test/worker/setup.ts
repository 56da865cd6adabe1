// Runs in workerd before each collector test file.
import { env, reset, runInDurableObject } from 'cloudflare:test';
import { afterAll } from 'vitest';

//
// @cloudflare/vitest-pool-workers 0.23 installs the Proxy on its entrypoint and Durable Object
// wrapper classes from inside their constructors, so every construction wraps the previous Proxy in
// another (cloudflare/workers-sdk#15092). workerd constructs the default entrypoint once per request,
// so the n-th `exports.default.fetch()` walks n nested Proxies: requests took 100 ms after a few
// hundred calls and over a second after a thousand, minutes for a suite like security-routes. The
// upstream fix (workers-sdk#15106, shipped in @cloudflare/vitest-plugin) installs the Proxy once; this
// does the same from outside: wrapping an already wrapped prototype again returns it as it is. Every
// other Proxy is constructed untouched. Remove this file when moving to @cloudflare/vitest-plugin.
const FIXED = Symbol.for('open-conversions.single-prototype-proxy');
const g = globalThis as typeof globalThis & { [FIXED]?: true };

if (!g[FIXED]) {
  g[FIXED] = true;
  const NativeProxy = Proxy;
  const prototypeProxies = new WeakSet<object>();
  // The pool's wrapper handler is the one that forwards unknown keys to `getUnknownPrototypeKey`.
  const isWrapperHandler = (handler: unknown) => {
    const get = (handler as { get?: unknown } | null)?.get;
    return typeof get === 'function' && Function.prototype.toString.call(get).includes('getUnknownPrototypeKey');
  };
  g.Proxy = new NativeProxy(NativeProxy, {
    construct(target, args, newTarget) {
      const [object, handler] = args as [object, ProxyHandler<object>];
      if (!isWrapperHandler(handler)) return Reflect.construct(target, args, newTarget);
      if (prototypeProxies.has(object)) return object;
      const proxy = Reflect.construct(target, args, newTarget) as object;
      prototypeProxies.add(proxy);
      return proxy;
    },
  });
}

// The collector project runs every file in one workerd (isolate: false in vitest.config.ts, which
// saves a Miniflare start and the import of hono and zod per file). Each file still starts from
// what a fresh runtime would give it: every Durable Object's storage and alarms deleted, and the
// collector's own modules (module-level caches: config, keys, rate limiters, sign-in throttle, tag
// silence) evaluated anew when the file imports them. Only node_modules stay evaluated.

//
// Only the evaluation is undone, not the fetch: vite's invalidateModule() also drops the module's
// code, so each file fetched every collector module again from the vitest process, which inlined its
// source map anew each time (most of that process's CPU in a run). The code does not change during a
// run; kept, the next import asks the server only whether it is current and evaluates it afresh.
type ModuleNode = {
  id?: string;
  evaluated?: boolean;
  promise?: unknown;
  exports?: unknown;
  imports: Set<string>;
};
const worker = (globalThis as { __vitest_worker__?: { evaluatedModules?: unknown } }).__vitest_worker__;
const modules = worker?.evaluatedModules as { idToModuleMap: Map<string, ModuleNode> } | undefined;
if (modules) {
  for (const [id, node] of modules.idToModuleMap) {
    if (id.includes('/node_modules/') || id.startsWith('\0') || id.includes('/test/worker/setup.ts')) continue;
    // vite's EvaluatedModules.invalidateModule() less `meta` (the fetched code) and `map`.
    node.evaluated = false;
    node.promise = undefined;
    node.exports = undefined;
    node.imports.clear();
  }
}
await reset();

// This worker's own ad-platform and CRM fakes (test/fakes/global-setup.ts starts one slot per vitest
// worker): the file's `inject('fakeUrls')` and the like read them, so a test that counts what a fake
// received never counts a request of a file another worker runs at the same time.
const provided = (globalThis as { __vitest_worker__?: { providedContext: Record<string, unknown> } }).__vitest_worker__
  ?.providedContext;
if (provided) {
  const slots = provided.fakeSlots as Record<string, unknown>[];
  // Node's process (nodejs_compat); the tsconfig of the workerd suites has no Node types.
  const pool = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.VITEST_POOL_ID;
  const slot = slots[Number(pool ?? '1') - 1];
  if (!slot) throw new Error(`no fakes for vitest worker ${pool} (${slots.length} slots started)`);
  Object.assign(provided, slot);
}

// Before the next file's reset(), this file's queued work finishes: populate pages and CRM upsert
// fan-out still in the JOBS queue would otherwise be delivered into the next file's storage, fail
// against its deleted objects, and hold the queue's consumer (its pressure pause, retries with
// backoff) while that file's own jobs wait. A job still running after 15 s (a suite that stalls one
// on purpose) is left as it is.
afterAll(async () => {
  const config = env.CONFIG.get(env.CONFIG.idFromName('config'));
  const running = () =>
    runInDurableObject(config, (_object, state) => {
      const sql = state.storage.sql;
      const tables = new Set(
        sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray()
          .map((t) => t.name),
      );
      let n = 0;
      if (tables.has('audience_jobs'))
        n += sql.exec<{ n: number }>("SELECT count(*) AS n FROM audience_jobs WHERE status = 'running'").one().n;
      if (tables.has('jobs'))
        n += sql
          .exec<{ n: number }>('SELECT count(*) AS n FROM jobs WHERE applied + suppressed + failed + rejected < total')
          .one().n;
      return n;
    });
  const deadline = Date.now() + 15_000;
  while ((await running()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}, 20_000);
