// Where an identify's JavaScript time goes: the collector's production bundle on plain `workerd serve`
// with its inspector open, loaded by autocannon (same person or a new person per request, the bodies of
// bench/ingest-identify.mjs) while V8's sampling profiler runs in the Worker's isolate (the Worker and
// its Durable Objects share it). Prints the self time by function and by bundle module, as shares of the
// samples (idle and workerd's own C++ show as "(program)" / "(idle)").
//
//   node bench/profile-identify.mjs [--case hot|spread] [-d 8] [--top 40] [--floor]
//
// --floor profiles collector-limit.sh's floor worker (c-hot / c-spread) instead, for comparison.
//
// Needs autocannon from ../shared/tools/collector-limit.sh's scratch dir (run bench/ingest-identify.mjs once).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildBundle, startWorkerd } from './workerd-collector.mjs';
import { startFloor } from './floor-worker.mjs';
import { segmentBody } from './identify-bodies.mjs';
import { trackDir } from './cleanup.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const CASE = opt('--case', 'hot');
const DUR = opt('-d', '8');
const TOP = Number(opt('--top', '40'));
const TOOL_DIR = opt('--tool-dir', '/tmp/perf-anchors/collector-limit');
const AUTOCANNON = join(TOOL_DIR, 'node_modules/.bin/autocannon');
const FLOOR = args.includes('--floor');
if (!existsSync(AUTOCANNON)) {
  console.error(`no autocannon at ${AUTOCANNON}: run node bench/ingest-identify.mjs once`);
  process.exit(2);
}
const INSPECTOR = 19229;
const work = mkdtempSync(join(tmpdir(), 'bench-profile-'));
trackDir(work);
const body = join(work, 'body.json');
writeFileSync(
  body,
  FLOOR
    ? readFileSync(join(TOOL_DIR, CASE === 'hot' ? 'workers/identify.hot.json' : 'workers/identify.tpl.json'))
    : CASE === 'hot'
      ? segmentBody('jane.doe@example.com', 'anon-5f0c1d2e-7b3a-4c9d-8e1f-2a3b4c5d6e7f')
      : segmentBody('jane.doe+[<id>]@example.com', 'anon-[<id>]'),
);

const PORT = 18895;
const inspect = ['--inspector-addr', `127.0.0.1:${INSPECTOR}`];
if (!FLOOR && !args.includes('--no-build')) buildBundle();
const collector = FLOOR
  ? await startFloor(TOOL_DIR, PORT, inspect)
  : { ...(await startWorkerd(PORT, {}, inspect)), path: '/segment/v1/identify' };
try {
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json/list`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${INSPECTOR}/${target.id}`);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  let id = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m));
    if (msg.id && pending.has(msg.id)) (pending.get(msg.id)(msg), pending.delete(msg.id));
  });
  const send = (method, params = {}) =>
    new Promise((r) => {
      const n = ++id;
      pending.set(n, r);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  const cannon = (d) =>
    new Promise((resolve) => {
      const a = ['-j', '-c', '10', '-d', String(d), '-m', 'POST', '-H', 'content-type=application/json', '-i', body];
      a.push('-I'); // both bodies carry [<id>] (a new message id; a new person too in spread)
      const child = spawn(AUTOCANNON, [...a, `${collector.url}${collector.path}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (x) => (out += x));
      child.stderr.on('data', (x) => (out += x));
      child.on('close', () => resolve(out));
    });
  await cannon(2); // warm-up
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  const out = await cannon(DUR);
  const { result } = await send('Profiler.stop');
  ws.close();
  const run = JSON.parse(out.slice(out.indexOf('{')));
  const reqs = run.requests.total;
  const bad = run.non2xx + run.errors;
  const busy = result.profile.samples.filter((s) => !/^\(idle\)$/.test(idleName(result.profile, s))).length;
  console.log(
    `${FLOOR ? 'floor' : 'collector'}, case ${CASE}: ${reqs} requests (${bad} not 2xx) in ${DUR} s under the profiler; ` +
      `${busy} busy samples (${((busy * 0.2) / reqs).toFixed(3)} ms of isolate time per request at 0.2 ms a sample)`,
  );
  const profile = result.profile;
  writeFileSync(join(tmpdir(), `identify-${CASE}.cpuprofile`), JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const total = profile.samples.length;
  const self = new Map();
  for (const [nid, n] of counts) {
    const f = byNode.get(nid).callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url ? f.url.split('/').pop() : ''}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + n);
  }
  const pct = (n) => ((100 * n) / total).toFixed(1).padStart(5) + ' %';
  console.log(`${total} samples; self time by function:`);
  for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)}  ${k}`);
  // Inclusive time of the bundle's modules: esbuild's `// path` comments map bundle lines to sources.
  if (!FLOOR) byModule(profile, counts, byNode, total, pct);
} finally {
  await collector.stop();
}

function byModule(profile, counts, byNode, total, pct) {
  const bundle = readFileSync(new URL('../dist/worker/index.js', import.meta.url), 'utf8').split('\n');
  const marks = [];
  bundle.forEach((l, i) => {
    const m = /^\/\/ (\S+\.(?:ts|js|mjs))$/.exec(l);
    if (m) marks.push([i, m[1]]);
  });
  const moduleOf = (line) => {
    let lo = 0,
      hi = marks.length - 1,
      best = '(bundle head)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) ((best = marks[mid][1]), (lo = mid + 1));
      else hi = mid - 1;
    }
    return best.replace(/^node_modules\/([^/]+(?:\/[^/]+)?).*/, '$1 (dep)');
  };
  const modules = new Map();
  for (const [nid, n] of counts) {
    const f = byNode.get(nid).callFrame;
    const k = f.url.endsWith('index.js')
      ? moduleOf(f.lineNumber)
      : f.functionName.startsWith('(')
        ? f.functionName
        : `(builtin) ${f.url || ''}`;
    modules.set(k, (modules.get(k) ?? 0) + n);
  }
  console.log('self time by source module:');
  for (const [k, n] of [...modules].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)}  ${k}`);
}

function idleName(profile, sampleId) {
  profile._byId ??= new Map(profile.nodes.map((n) => [n.id, n]));
  return profile._byId.get(sampleId).callFrame.functionName;
}
