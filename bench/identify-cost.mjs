// What one identify costs the runtime, beside the platform's floor: workerd's CPU time per request
// (user + system, from /proc, so it holds up on a shared machine where req/s does not) and, when
// strace is installed, the write calls and fsyncs per request (each SQLite page a commit writes is
// two write calls to the WAL; each commit one fsync). Same cases as bench/ingest-identify.mjs:
//   same person every request  vs c-hot    (collector-limit.sh's bare route, one row to one object)
//   a new person every request vs c-spread (the same, a new object each request)
// Each case runs on a fresh server with a fresh state directory, --rounds times, interleaved.
//
//   node bench/identify-cost.mjs [--rounds 2] [--hot 6000] [--spread 1000] [--cases hot,spread] [--no-strace] [--no-build] [--port 18870]
//
// Needs the floor's worker built by ../shared/tools/collector-limit.sh (run bench/ingest-identify.mjs
// once, or the tool itself with --harness workerd), in --tool-dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, startWorkerd } from './workerd-collector.mjs';
import { startFloor as startFloorAt } from './floor-worker.mjs';
import { trackDir } from './cleanup.mjs';
import { segmentBody } from './identify-bodies.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const TOOL_DIR = opt('--tool-dir', '/tmp/perf-anchors/collector-limit');
const ROUNDS = Number(opt('--rounds', '2'));
const AMOUNT = { hot: opt('--hot', '6000'), spread: opt('--spread', '1000') };
const CASES = opt('--cases', 'hot,spread').split(',');
const STRACE = !args.includes('--no-strace') && spawnSync('strace', ['-V']).status === 0;
const FLOOR = join(TOOL_DIR, 'dist/c');
const AUTOCANNON = join(TOOL_DIR, 'node_modules/.bin/autocannon');
if (!existsSync(join(FLOOR, 'config.capnp')) || !existsSync(AUTOCANNON)) {
  console.error(`no floor worker in ${FLOOR}: run node bench/ingest-identify.mjs once (it builds it)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'bench-cost-'));
trackDir(work);
const BODY = {
  ours: { hot: join(work, 'hot.json'), spread: join(work, 'spread.json') },
  floor: { hot: join(TOOL_DIR, 'workers/identify.hot.json'), spread: join(TOOL_DIR, 'workers/identify.tpl.json') },
};
writeFileSync(BODY.ours.hot, segmentBody('jane.doe@example.com', 'anon-5f0c1d2e-7b3a-4c9d-8e1f-2a3b4c5d6e7f'));
writeFileSync(BODY.ours.spread, segmentBody('jane.doe+[<id>]@example.com', 'anon-[<id>]'));

// --no-build measures dist/worker as it is (a bundle patched by hand, to try a change before making it).
if (!args.includes('--no-build')) {
  console.log('building the production bundle (wrangler deploy --dry-run --outdir dist/worker) ...');
  buildBundle();
}

const PORT = Number(opt('--port', '18870')); // another port when two copies run at once
const startFloor = () => startFloorAt(TOOL_DIR, PORT);

async function startOurs() {
  const c = await startWorkerd(PORT);
  return { url: c.url, path: '/segment/v1/identify', pid: c.pid, stop: c.stop };
}

/** user + system CPU of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Waits until the server is idle (no CPU used for 1 s, at most 30 s): on a loaded machine the alarms
 * a run left behind may still be queued after a fixed wait, and their work would go uncounted.
 */
async function settled(pid) {
  await new Promise((r) => setTimeout(r, 1500));
  let last = cpuMs(pid);
  for (let waited = 0, still = 0; waited < 30_000 && still < 4; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuMs(pid);
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

async function measure(who, kind) {
  const server = who === 'floor' ? await startFloor() : await startOurs();
  const load = (amount) =>
    JSON.parse(
      spawnSync(
        AUTOCANNON,
        [
          '-c',
          '10',
          '-a',
          String(amount),
          '-j',
          '-n',
          '-I',
          '-m',
          'POST',
          '-H',
          'content-type=application/json',
          '-i',
          BODY[who][kind],
          server.url + server.path,
        ],
        { encoding: 'utf8' },
      ).stdout,
    );
  load(200); // warm-up
  // CPU first, untraced (tracing slows every system call); then a quarter as many requests traced.
  const before = cpuMs(server.pid);
  const run = load(AMOUNT[kind]);
  await settled(server.pid); // the deferred work each request left (alarms 500 ms later) counts too
  const cpu = (cpuMs(server.pid) - before) / run['2xx'];
  let writes = NaN;
  let fsyncs = NaN;
  let bad = (run.non2xx ?? 0) + (run.errors ?? 0);
  if (STRACE) {
    const trace = spawn(
      'strace',
      [
        '-c',
        '-f',
        '-e',
        'trace=pwrite64,write,fsync,fdatasync',
        '-p',
        String(server.pid),
        '-o',
        join(work, 'strace.txt'),
      ],
      { stdio: 'ignore' },
    );
    await new Promise((r) => setTimeout(r, 500));
    const traced = load(Math.ceil(Number(AMOUNT[kind]) / 4));
    await settled(server.pid);
    trace.kill('SIGINT');
    await new Promise((r) => trace.once('exit', r));
    const calls = Object.fromEntries(
      readFileSync(join(work, 'strace.txt'), 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5 && /^\d/.test(f[0]) && /^\d+$/.test(f[3]))
        .map((f) => [f[f.length - 1], Number(f[3])]),
    );
    writes = ((calls.pwrite64 ?? 0) + (calls.write ?? 0)) / traced['2xx'];
    fsyncs = ((calls.fsync ?? 0) + (calls.fdatasync ?? 0)) / traced['2xx'];
    bad += (traced.non2xx ?? 0) + (traced.errors ?? 0);
  }
  await server.stop();
  return { cpu, writes, fsyncs, bad };
}

const results = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of CASES) {
    for (const who of ['floor', 'ours']) {
      const r = await measure(who, kind);
      results.push({ who, kind, ...r });
      console.log(
        `[round ${round}] ${kind} ${who}: ${r.cpu.toFixed(2)} ms CPU` +
          (STRACE ? `, ${r.writes.toFixed(1)} write calls, ${r.fsyncs.toFixed(1)} fsyncs` : '') +
          ` per request (bad ${r.bad})`,
      );
    }
  }
}

const mean = (who, kind, key) => {
  const xs = results.filter((r) => r.who === who && r.kind === kind).map((r) => r[key]);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
const f = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(
  `\n## Cost per identify (plain workerd, 10 connections, mean of ${ROUNDS} round(s); writes and fsyncs by strace)\n`,
);
console.log('| case                                | CPU ms | write calls | fsyncs |');
console.log('| ----------------------------------- | -----: | ----------: | -----: |');
for (const [label, who, kind] of [
  ['floor c-hot (1 DO, 1 row)', 'floor', 'hot'],
  ['identify, same person (Segment API)', 'ours', 'hot'],
  ['floor c-spread (new DO each)', 'floor', 'spread'],
  ['identify, new person each (Segment)', 'ours', 'spread'],
]) {
  if (!CASES.includes(kind)) continue;
  console.log(
    `| ${label.padEnd(35)} | ${f(mean(who, kind, 'cpu'), 2).padStart(6)} | ${f(mean(who, kind, 'writes'), 1).padStart(11)} | ${f(mean(who, kind, 'fsyncs'), 1).padStart(6)} |`,
  );
}
process.exit(0);
