// Every server a benchmark starts is stopped on every way out: normal end, a thrown error, an
// unhandled rejection, Ctrl-C / SIGTERM / SIGHUP, and process.exit (process groups killed and
// directories removed synchronously: another library's own signal hook, Miniflare's, may exit the
// process before the async stops have run).
import { rmSync } from 'node:fs';

const stops = new Set();
const groups = new Set();
const dirs = new Set();
let exiting = false;

/** Registers an async stop; returns a function that unregisters it (call after stopping normally). */
export function onCleanup(stop) {
  stops.add(stop);
  return () => stops.delete(stop);
}

/** A detached child's process group, killed synchronously if the process exits with it still up. */
export function trackGroup(pid) {
  groups.add(pid);
  return () => groups.delete(pid);
}

/** A directory (a runtime's state) removed synchronously when the process exits, however it exits. */
export function trackDir(path) {
  dirs.add(path);
  return () => dirs.delete(path);
}

export async function cleanupAll() {
  for (const stop of [...stops]) {
    stops.delete(stop);
    try {
      await stop();
    } catch {
      // keep stopping the others
    }
  }
}

function bail(code) {
  if (exiting) return;
  exiting = true;
  cleanupAll().finally(() => process.exit(code));
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => bail(130));
process.on('uncaughtException', (e) => (console.error(e), bail(1)));
process.on('unhandledRejection', (e) => (console.error(e), bail(1)));
process.on('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});
