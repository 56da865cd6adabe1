// `npm test`: every check and suite, ending with one line `N passed, N failed` that totals them all.
// Checks (tag build and size budget, typecheck, deploy bundle) count as one test each; every
// vitest test counts as itself.
//
// The tag build comes first (the suites serve the built tag). The typechecks and the deploy bundle
// then run one after another beside vitest rather than before it: vitest spends much of its time
// waiting on workerd, wrangler dev and Chromium, so they mostly fill idle CPU. Their output is
// held and printed once vitest is done, so the two never interleave.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { relative } from 'node:path';
import { ensureChromium } from './ensure-chromium.mjs';

let passed = 0;
let failed = 0;
const failures = [];
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function count(name, ok) {
  if (ok) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return ok;
}

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${seconds(t)}`);
  return count(name, r.status === 0);
}

/** Runs a check with its output held back; resolves with what to print and whether it passed. */
function heldStep(name, cmd, args, env = {}) {
  return new Promise((resolve) => {
    const t = Date.now();
    let output = '';
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => (output += String(e)));
    child.on('close', (code) => {
      children.delete(child);
      resolve({
        name,
        ok: code === 0,
        text: `\n=== ${name}: ${cmd} ${args.join(' ')}\n${output}=== ${name}: ${code === 0 ? 'ok' : 'FAILED'} in ${seconds(t)}`,
      });
    });
  });
}

const firstLine = (text = '') =>
  text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')[0]
    .slice(0, 300);

const quiet = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

// The suites' temporary files (collectors' Durable Object databases, browser profiles, Miniflare's
// own) go to memory when /dev/shm is a tmpfs with room: on a VM disk their SQLite syncs cost the
// kernel more CPU than some suites (about 200 s a line, docs/testing.md).
// Nothing there must outlive the run; TEST_TMPDIR names another directory, or `disk` keeps TMPDIR.
const TMPFS_MAGIC = 0x01021994;
const GiB = 1024 ** 3;
function memoryTmp() {
  const wanted = process.env.TEST_TMPDIR;
  if (wanted === 'disk') return null;
  if (wanted) return mkdtempSync(`${wanted.replace(/\/$/, '')}/open-conversions-test-`);
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < 2 * GiB || freemem() < 4 * GiB) return null;
    return mkdtempSync('/dev/shm/open-conversions-test-');
  } catch {
    return null;
  }
}
const runTmp = memoryTmp();
/** The runs and checks under way, for a signal to reach. */
const children = new Set();
function removeRunTmp() {
  if (!runTmp) return;
  try {
    rmSync(runTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (e) {
    console.log(`could not remove ${runTmp}: ${e.message}`);
  }
}
if (runTmp) {
  process.env.TMPDIR = runTmp;
  console.log(`temporary files of this run: ${runTmp}`);
  // Files in memory hold memory until removed: an interrupted run removes them too.
  // The signal goes on to the runs and checks first, so nothing is left running on a removed directory.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => {
      console.log(`\nnpm test interrupted (${signal})`);
      for (const child of children) child.kill(signal);
      removeRunTmp();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
}

try {
  ensureChromium();
  passed++;
} catch (e) {
  console.error(String(e.message ?? e));
  failed++;
  failures.push('chromium');
}

const built = step('build the tag (size budget enforced)', 'node', ['esbuild.config.mjs']);

// One after another: on two cores, running them all at once beside vitest would starve the suites.
const checks = (async () => {
  const results = [];
  results.push(
    await heldStep('formatted (Prettier; `npm run format` fixes)', 'npx', [
      'prettier',
      '--check',
      '**/*.{ts,tsx,mjs,js}',
    ]),
  );
  results.push(
    await heldStep('Env matches `wrangler types` (collector/worker-configuration.d.ts)', 'node', [
      'scripts/env-types.mjs',
      '--check',
    ]),
  );
  results.push(await heldStep('typecheck collector + shared', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']));
  results.push(await heldStep('typecheck tag', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.tag.json']));
  results.push(await heldStep('typecheck node suites', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.node.json']));
  results.push(
    await heldStep(
      'production bundle builds (wrangler deploy --dry-run)',
      'npx',
      ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist/worker'],
      quiet,
    ),
  );
  return results;
})();

// Two vitest runs side by side: the collector's workerd suites in one, every Node suite (the system
// suites with Chromium, a collector per file and wrangler dev; the tag in happy-dom; pure rules; the
// fakes) in the other. In one run, vitest keeps a non-isolated worker (the collector project's
// workerd) only while the next file in its queue belongs to the same project; with other files
// queued between the workerd files, that workerd stopped after nearly every file and the next one
// started a new Miniflare and imported hono, zod and the collector anew. Split, the collector
// project keeps one workerd from its first file to its last.
// The workerd run has one worker on two cores: a second collector worker took a third of the workerd
// CPU the other run needs (npm test 390-409 s against 417-430 s, docs/testing.md). The Node run has
// two: its files mostly wait (pages, queue batches, retries, alarms). TEST_WORKERD_WORKERS /
// TEST_NODE_WORKERS set a run's workers.
const SPARE = Math.ceil((availableParallelism() - 1) / 2);
const DEFAULT_WORKERS = { workerd: Math.max(1, SPARE), node: Math.max(2, SPARE) };
const workersOf = (name) => Number(process.env[`TEST_${name.toUpperCase()}_WORKERS`]) || DEFAULT_WORKERS[name];
const RUNS = [
  { name: 'workerd', projects: ['collector'] },
  { name: 'node', projects: ['shared', 'unit', 'tag', 'gtm', 'fakes', 'e2e', 'reliability', 'scripts', 'e2e-scale'] },
];
// A project added to vitest.config.ts but to neither run would silently not run.
const configured = [...readFileSync('vitest.config.ts', 'utf8').matchAll(/\bname: '([\w-]+)'/g)].map((m) => m[1]);
for (const name of configured.filter((n) => !RUNS.some((r) => r.projects.includes(n)))) {
  failed++;
  failures.push(`project ${name} (vitest.config.ts) is in neither vitest run of scripts/test.mjs`);
}

/** One vitest run; the first streams its output as it comes, the other prefixes its lines. */
function vitestRun({ name, projects }, prefix) {
  const out = `.test-results/vitest-${name}.json`;
  rmSync(out, { force: true });
  const args = ['vitest', 'run', `--maxWorkers=${workersOf(name)}`, ...projects.flatMap((p) => ['--project', p])];
  args.push('--reporter=default', '--reporter=json', `--outputFile.json=${out}`);
  return new Promise((resolve) => {
    const t = Date.now();
    const child = spawn('npx', args, {
      stdio: ['ignore', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'],
      env: { ...process.env, ...quiet },
    });
    if (prefix) {
      for (const stream of [child.stdout, child.stderr]) {
        let rest = '';
        stream.on('data', (d) => {
          const lines = (rest + d).split('\n');
          rest = lines.pop();
          for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
        });
        stream.on('end', () => rest && process.stdout.write(`${prefix}${rest}\n`));
      }
    }
    children.add(child);
    const done = (code) => {
      children.delete(child);
      console.log(`=== vitest (${name}): done in ${seconds(t)}`);
      resolve({ name, out, code: typeof code === 'number' ? code : 1 });
    };
    child.on('close', done);
    child.on('error', done);
  });
}

if (built) {
  mkdirSync('.test-results', { recursive: true });
  rmSync('.test-results/vitest.json', { force: true });
  console.log(
    `\n=== vitest: ${RUNS.map((r) => `${r.name} (${r.projects.join(', ')})`).join(' beside ')}; the typechecks and the deploy bundle run beside them`,
  );
  const t = Date.now();
  const outs = await Promise.all(RUNS.map((r, i) => vitestRun(r, i ? `[${r.name}] ` : '')));
  console.log(`=== vitest: done in ${seconds(t)}`);
  // One report for the whole line (.test-results/vitest.json), as one run would have written it.
  const merged = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [] };
  for (const { name, out, code } of outs) {
    try {
      const report = JSON.parse(readFileSync(out, 'utf8'));
      const before = failed;
      for (const k of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests']) merged[k] += report[k];
      merged.testResults.push(...report.testResults);
      passed += report.numPassedTests;
      failed += report.numFailedTests + report.numPendingTests + report.numTodoTests;
      // A file that fails to load has no tests but is a failure all the same; so is one whose tests
      // passed but whose hooks (beforeAll, afterAll) threw.
      const brokenFiles = report.testResults.filter(
        (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
      );
      failed += brokenFiles.length;
      for (const f of brokenFiles)
        failures.push(
          `${relative('.', f.name)}: ${firstLine(f.message) || 'failed to load, or a beforeAll/afterAll hook threw (see the vitest output)'}`,
        );
      if (report.numFailedTests) failures.push(`${report.numFailedTests} vitest test(s) in ${out}`);
      // Named at the end as well: the line's last lines are what a truncated log still shows.
      for (const f of report.testResults)
        for (const a of f.assertionResults)
          if (a.status === 'failed')
            failures.push(`${relative('.', f.name)} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
      // An unhandled error fails vitest's run but is not in its JSON report.
      if (code !== 0 && failed === before) {
        failed++;
        failures.push(
          `vitest (${name}) exited with code ${code} with no failed test in its report: an unhandled error (see its output)`,
        );
      }
    } catch (e) {
      failed++;
      failures.push(`vitest produced no report (${out}): ${e.message}`);
    }
  }
  writeFileSync('.test-results/vitest.json', JSON.stringify(merged));
}

for (const r of await checks) {
  console.log(r.text);
  count(r.name, r.ok);
}

removeRunTmp();
console.log(`\nnpm test took ${seconds(started)}`);
if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `- ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
