// The platform's floor (../shared/tools/collector-limit.sh's worker c: a bare Hono route writing one
// row to one Durable Object) on plain workerd, on `port` with a fresh state directory, for the
// benchmarks that measure the collector beside it. The tool builds the worker into `toolDir`.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, trackDir, trackGroup } from './cleanup.mjs';

/** Starts the floor; `flags`: more of workerd's own (its inspector, for a profile). */
export async function startFloor(toolDir, port, flags = []) {
  const floor = join(toolDir, 'dist/c');
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  copyFileSync(join(floor, 'c.js'), join(dir, 'c.js'));
  writeFileSync(
    join(dir, 'config.capnp'),
    readFileSync(join(floor, 'config.capnp'), 'utf8')
      .replace(/path = "[^"]*"/, `path = ${JSON.stringify(join(dir, 'state'))}`)
      .replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`),
  );
  mkdirSync(join(dir, 'state'));
  const child = spawn(
    join(import.meta.dirname, '../node_modules/.bin/workerd'),
    ['serve', join(dir, 'config.capnp'), '--experimental', ...flags],
    { stdio: 'ignore', detached: true },
  );
  const untrack = [trackGroup(child.pid), trackDir(dir)];
  const stop = async () => {
    for (const u of untrack) u();
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onCleanup(stop);
  for (let i = 0; i < 80; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/`)).text();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    path: '/identify',
    pid: child.pid,
    stop: async () => (unregister(), stop()),
  };
}
