// Identify throughput of the collector on plain `workerd serve` (production bundle), as ratios to the
// platform's own floor measured in the same run by ../shared/tools/collector-limit.sh:
//   same person every request  vs c-hot    (bare Hono route, one row to one Durable Object)
//   a new person every request vs c-spread (the same, a new Durable Object each request)
// 10 concurrent clients (autocannon). Prints req/s, p50 and p99 and the ratios (required >= 0.5).
//
//   node bench/ingest-identify.mjs [--tool ../shared/tools/collector-limit.sh] [-d 15] [--runs 3]
//
// The identify goes through the Segment HTTP API with a secret write key in the body (the tool's
// load generator sends no Origin header, which /v1/collect rightly demands); it runs the same
// ingestIdentify path as the tag's /v1/collect. The tag path is measured as well, with autocannon
// sending the Origin header, and printed beside it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trackDir } from './cleanup.mjs';
import { buildBundle, startWorkerd } from './workerd-collector.mjs';
import { collectBody, segmentBody } from './identify-bodies.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
// ../shared/tools from the main checkout; a worktree sits one level deeper.
const TOOL = resolve(
  opt(
    '--tool',
    ['../shared', '../../shared', '../../../shared']
      .map((p) => resolve(import.meta.dirname, '..', p, 'tools/collector-limit.sh'))
      .find(existsSync) ?? 'collector-limit.sh',
  ),
);
const TOOL_DIR = opt('--tool-dir', '/tmp/perf-anchors/collector-limit');
const DUR = opt('-d', '15');
const RUNS = opt('--runs', '3');
const PORT = Number(opt('--port', '18890'));

const work = mkdtempSync(join(tmpdir(), 'bench-identify-'));
trackDir(work); // the request bodies go with the process
const files = {
  hot: join(work, 'identify-hot.json'),
  spread: join(work, 'identify-spread.json'),
  tagHot: join(work, 'collect-hot.json'),
  tagSpread: join(work, 'collect-spread.json'),
};
writeFileSync(files.hot, segmentBody('jane.doe@example.com', 'anon-5f0c1d2e-7b3a-4c9d-8e1f-2a3b4c5d6e7f'));
writeFileSync(files.spread, segmentBody('jane.doe+[<id>]@example.com', 'anon-[<id>]'));
writeFileSync(files.tagHot, collectBody('jane.doe@example.com', 'anon_5f0c1d2e7b3a4c9d'));
writeFileSync(files.tagSpread, collectBody('jane.doe+[<id>]@example.com', 'anon_[<id>]'));

console.log('building the production bundle (wrangler deploy --dry-run --outdir dist/worker) ...');
buildBundle();

// Each pair runs back to back on fresh servers: the tool's floor case, then our target on a collector
// started for it (local workerd keeps every Durable Object it touched open, so a collector that has
// just created thousands of people is not the one to measure the next case on). Repeated --runs times
// and averaged, so a burst of load elsewhere on the machine skews one pair, not the ratio.
const PAIRS = [
  { floor: 'c-hot', target: 'identify-hot', body: files.hot },
  { floor: 'c-spread', target: 'identify-spread', body: files.spread },
];
const results = []; // [harness, case, req/s, p50, p99, bad]
let toolFailed = 0;
for (let run = 1; run <= Number(RUNS); run++) {
  for (const pair of PAIRS) {
    const collector = await startWorkerd(PORT);
    const url = `${collector.url}/segment/v1/identify`;
    const toolArgs = [
      '--harness',
      'workerd',
      '--cases',
      pair.floor,
      '-d',
      DUR,
      '--runs',
      '1',
      '--dir',
      TOOL_DIR,
      '--port-base',
      String(PORT + 100),
      '--target',
      `${pair.target}=${url}`,
      pair.body,
    ];
    if (existsSync(join(TOOL_DIR, 'node_modules/autocannon'))) toolArgs.push('--skip-install');
    console.log(`\n[run ${run}] ${pair.floor} + ${pair.target}: bash ${TOOL} ${toolArgs.join(' ')}`);
    const tool = spawnSync('bash', [TOOL, ...toolArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (tool.status !== 0) toolFailed++;
    await collector.stop();
    for (const r of readFileSync(join(TOOL_DIR, 'results/runs.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))) {
      // harness, case, run, req/s, p50, p99, 2xx, bad, ...
      results.push([r[0], r[1], Number(r[3]), Number(r[4]), Number(r[5]), Number(r[7])]);
    }
  }
}

// The tag's own path, with the Origin header the tool does not send (informational), each case on a
// fresh collector too.
const autocannon = join(TOOL_DIR, 'node_modules/.bin/autocannon');
for (const [label, body] of [
  ['tag-hot', files.tagHot],
  ['tag-spread', files.tagSpread],
]) {
  const collector = await startWorkerd(PORT);
  const r = spawnSync(
    autocannon,
    [
      '-c',
      '10',
      '-d',
      DUR,
      '-j',
      '-n',
      '-I',
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-H',
      'origin=http://localhost:3000',
      '-i',
      body,
      `${collector.url}/v1/collect`,
    ],
    { encoding: 'utf8' },
  );
  await collector.stop();
  try {
    const j = JSON.parse(r.stdout);
    results.push([
      'tag',
      label,
      (j['2xx'] ?? 0) / j.duration,
      j.latency.p50,
      j.latency.p99,
      (j.non2xx ?? 0) + (j.errors ?? 0) + (j.timeouts ?? 0),
    ]);
  } catch {
    results.push(['tag', label, NaN, NaN, NaN, NaN]);
  }
}

const mean = (h, c, i) => {
  const xs = results.filter((r) => r[0] === h && r[1] === c).map((r) => r[i]);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
};
const bad = (h, c) => results.filter((r) => r[0] === h && r[1] === c).reduce((a, r) => a + (r[5] || 0), 0);
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const line = (label, h, c) =>
  `| ${label.padEnd(36)} | ${f(mean(h, c, 2)).padStart(7)} | ${f(mean(h, c, 3), 1).padStart(6)} | ${f(mean(h, c, 4), 1).padStart(6)} | ${String(bad(h, c)).padStart(4)} |`;
console.log(`\n## Identify throughput (plain workerd, 10 connections, ${DUR} s a case, mean of ${RUNS} run(s))\n`);
console.log('| case                                 |   req/s | p50 ms | p99 ms |  bad |');
console.log('| ------------------------------------ | ------: | -----: | -----: | ---: |');
console.log(line('floor c-hot (1 DO, 1 row)', 'workerd', 'c-hot'));
console.log(line('floor c-spread (new DO each)', 'workerd', 'c-spread'));
console.log(line('identify, same person (Segment API)', 'target', 'identify-hot'));
console.log(line('identify, new person each (Segment)', 'target', 'identify-spread'));
console.log(line('tag identify, same person (/v1/collect)', 'tag', 'tag-hot'));
console.log(line('tag identify, new person (/v1/collect)', 'tag', 'tag-spread'));
// Ratio per run (each target against the floor measured just before it), then the mean.
const ratios = (floor, target) => {
  const fl = results.filter((r) => r[0] === 'workerd' && r[1] === floor);
  const tg = results.filter((r) => r[0] === 'target' && r[1] === target);
  return tg.map((t, i) => t[2] / fl[i][2]);
};
for (const [label, floor, target] of [
  ['same person / c-hot:   ', 'c-hot', 'identify-hot'],
  ['new person / c-spread:  ', 'c-spread', 'identify-spread'],
]) {
  const rs = ratios(floor, target);
  const m = rs.reduce((a, b) => a + b, 0) / rs.length;
  console.log(`ratio ${label} ${f(m, 2)}  (runs: ${rs.map((x) => f(x, 2)).join(', ')}; required >= 0.5, aim >= 0.8)`);
}
if (toolFailed)
  console.log(
    `\ncollector-limit.sh exited non-zero ${toolFailed} time(s) (non-2xx answers or a setup failure): see its output above`,
  );
