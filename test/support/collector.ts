import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare';
import { inject } from 'vitest';
// @ts-expect-error plain ESM without types
import { keepLoopbackConnections } from '../../bench/miniflare-options.mjs';
import { devVars } from './dev-vars';
import { scratchDir } from './scratch';

export const DEV_VARS = devVars();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RunningCollector {
  url: string;
  port: number;
  persistDir: string;
  stop(): Promise<void>;
  logs(): string;
}

/**
 * Starts the collector on local workerd with its own state directory, and waits until /healthz
 * answers from it. By default the production bundle (built once per run by bundle-setup.ts) under
 * Miniflare, configured from wrangler.toml; with `wrangler: true`, `config` or `args`, through
 * `wrangler dev` as `npm start` runs it. The tag must already be built (`npm run build`).
 */
export async function startCollector(opts: StartOptions = {}): Promise<RunningCollector> {
  if (!opts.wrangler && !opts.config && !opts.args) return startMiniflare(opts);
  // A port from freePort() is free when chosen, not when wrangler binds it seconds later: another
  // process may take it meanwhile. Then a new port, unless the caller needs this one (a restart).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ ...opts, port: opts.port ?? (await freePort()) });
    } catch (e) {
      if (!(e instanceof PortTaken) || opts.port !== undefined || attempt === 3) throw e;
    }
  }
}

/**
 * The bundle under Miniflare: wrangler.toml's bindings (Durable Objects, queues with their consumers,
 * rate limits, vars), Durable Objects persisted in `persistDir` (a restart on it keeps them), the
 * kernel's choice of port unless one is given (a restart on the same port).
 */
async function startMiniflare(opts: StartOptions): Promise<RunningCollector> {
  const bundle = inject('collectorBundle');
  if (!bundle) throw new Error("no collector bundle: list test/support/bundle-setup.ts in the project's globalSetup");
  const persistDir = opts.persistDir ?? scratchDir('collector-state-');
  const workerOptions = inject('collectorWorkerOptions') as WorkerOptions;
  let output = '';
  // A queue batch longer than node:http's 5 s keep-alive would otherwise stop the local queue for good
  // under load (bench/miniflare-options.mjs says why).
  keepLoopbackConnections();
  const mf = new Miniflare({
    ...workerOptions,
    modules: true,
    scriptPath: join(bundle, 'index.js'),
    modulesRoot: bundle,
    bindings: { ...workerOptions.bindings, ...DEV_VARS, ...opts.vars },
    durableObjectsPersist: join(persistDir, 'do'),
    // Request.cf as `wrangler dev` gives it offline (CLOUDFLARE_CF_FETCH_ENABLED=false).
    cf: false,
    host: '127.0.0.1',
    port: opts.port ?? 0,
    log: new Log(LogLevel.WARN),
    // The Worker's console output, kept for suites that check what it logs.
    handleRuntimeStdio: (out: Readable, err: Readable) => {
      out.on('data', (d: Buffer) => (output += d));
      err.on('data', (d: Buffer) => (output += d));
    },
  });
  let url: URL;
  try {
    url = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw new Error(`the collector did not start: ${e}\n${output}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: url.origin,
    port: Number(url.port),
    persistDir,
    logs: () => output,
    stop: () => (stopped ??= mf.dispose().catch(() => {})),
  };
}

class PortTaken extends Error {}

/** `config`: another wrangler config (a variant of wrangler.toml); `args`: more `wrangler dev` flags. */
type StartOptions = {
  /** Through `wrangler dev` (as `npm start`), not the bundle under Miniflare. */
  wrangler?: boolean;
  persistDir?: string;
  port?: number;
  vars?: Record<string, string>;
  config?: string;
  args?: string[];
};

async function startOnce(opts: StartOptions & { port: number }): Promise<RunningCollector> {
  const { port } = opts;
  const persistDir = opts.persistDir ?? scratchDir('collector-state-');
  const vars = { ...DEV_VARS, ...opts.vars };
  const args = [
    'wrangler',
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    persistDir,
    '--log-level',
    'warn',
    '--show-interactive-dev-session=false',
    '--inspector-port',
    '0',
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  if (opts.config) args.push('--config', opts.config);
  args.push(...(opts.args ?? []));
  const child: ChildProcess = spawn('npx', args, {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stopGroup(child);
      const message = `wrangler dev exited (${child.exitCode}):\n${output}`;
      throw /address already in use/i.test(output) ? new PortTaken(message) : new Error(message);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.text();
      // Answered by our own wrangler, not by whatever else listens on the port (then ours fails to bind).
      if (res.ok && listensIn(child.pid!, port)) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`collector did not start in 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // Once: a second stop must not signal a process group whose id may since have been reused.
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    persistDir,
    logs: () => output,
    stop: () => (stopped ??= stopGroup(child)),
  };
}

/**
 * Stops npx, wrangler and workerd (one process group) and waits until all of them are gone: npx
 * exits first, and a restart on the same port and state directory must not meet the others.
 */
async function stopGroup(child: ChildProcess): Promise<void> {
  const gone = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        return true; // no process left in the group
      }
    }
    return false;
  };
  signal(child, 'SIGTERM');
  if (!(await gone(10_000))) {
    signal(child, 'SIGKILL');
    await gone(5_000);
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Whether a process of the group led by `pgid` holds the socket listening on `port` (Linux: read
 * from /proc; elsewhere assumed, as there is no such portable check).
 */
function listensIn(pgid: number, port: number): boolean {
  if (process.platform !== 'linux') return true;
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local address, state 0A = LISTEN, inode
      if (cols[1]?.endsWith(hex) && cols[3] === '0A') listening.add(cols[9]!);
    }
  }
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] !== String(pgid)) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode && listening.has(inode)) return true;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return false;
}
