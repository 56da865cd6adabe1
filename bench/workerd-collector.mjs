// Runs the collector's production bundle (from `wrangler deploy --dry-run --outdir dist/worker`) on
// plain `workerd serve`: no wrangler or miniflare layers, so a benchmark measures the Worker itself.
// The JOBS queue is not bound (plain workerd has no local queue broker): /v1/people is not served here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_VARS_FOR_BENCH } from './dev-vars.mjs';
import { onCleanup, trackDir, trackGroup } from './cleanup.mjs';

// The repository root, also when this file is bundled into dist/bench by bench/run.mjs.
const ROOT = resolve(import.meta.dirname, existsSync(resolve(import.meta.dirname, '../package.json')) ? '..' : '../..');
const CLASSES = [
  ['PERSON', 'PersonObject'],
  ['VISITOR', 'VisitorObject'],
  ['CONFIG', 'ConfigObject'],
  ['DIRECTORY', 'DirectoryObject'],
  ['DESTINATION', 'DestinationObject'],
];

export function buildBundle() {
  const quiet = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };
  for (const [cmd, args] of [
    ['node', ['esbuild.config.mjs']],
    ['npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist/worker']],
  ]) {
    const r = spawnSync(cmd, args, { cwd: ROOT, env: quiet, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  }
  if (!existsSync(join(ROOT, 'dist/worker/index.js'))) throw new Error('dist/worker/index.js missing');
}

function capnp(port, stateDir, vars) {
  const text = Object.entries(vars).map(
    ([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(String(v))})`,
  );
  const dos = CLASSES.map(([b, c]) => `(name = "${b}", durableObjectNamespace = "${c}")`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w), (name = "do-disk", disk = (path = ${JSON.stringify(stateDir)}, writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ]
);
const w :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed "index.js") ],
  compatibilityDate = "2026-04-01",
  compatibilityFlags = ["nodejs_compat"],
  durableObjectNamespaces = [ ${CLASSES.map(([, c]) => `(className = "${c}", uniqueKey = "bench-${c}", enableSql = true)`).join(', ')} ],
  durableObjectStorage = (localDisk = "do-disk"),
  bindings = [ ${[...dos, ...text].join(', ')} ]
);
`;
}

/** Starts workerd on `port` with a fresh state directory (`flags`: more of workerd's own, e.g. its inspector). */
export async function startWorkerd(port, extraVars = {}, flags = []) {
  const stateDir = mkdtempSync(join(tmpdir(), 'collector-bench-state-'));
  const config = join(ROOT, 'dist/worker/bench.capnp');
  writeFileSync(config, capnp(port, stateDir, { ...DEV_VARS_FOR_BENCH, ...extraVars }));
  const child = spawn(join(ROOT, 'node_modules/.bin/workerd'), ['serve', config, '--experimental', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Each run's Durable Object databases (thousands of files) go with the process, however it ends.
  const untrack = [trackGroup(child.pid), trackDir(stateDir)];
  const removeState = () => rmSync(stateDir, { recursive: true, force: true });
  const stop = async () => {
    for (const u of untrack) u();
    unregister();
    if (child.exitCode !== null) return removeState();
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return removeState();
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeState();
  };
  const unregister = onCleanup(stop);
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`workerd exited:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.text();
      if (res.ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid,
    logs: () => log,
    stop,
  };
}
