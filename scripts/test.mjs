// `npm test`: every check and suite, ending with one line `N passed, N failed` that totals them all.
// Checks (tag build and size budget, typecheck, deploy bundle) count as one test each; every
// vitest test counts as itself.
//
// The tag build comes first (the suites serve the built tag). The typechecks and the deploy bundle
// then run one after another beside vitest rather than before it: vitest spends much of its time
// waiting on workerd, wrangler dev and Chromium, so they mostly fill idle CPU. Their output is
// held and printed once vitest is done, so the two never interleave.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
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
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => (output += String(e)));
    child.on('close', (code) =>
      resolve({
        name,
        ok: code === 0,
        text: `\n=== ${name}: ${cmd} ${args.join(' ')}\n${output}=== ${name}: ${code === 0 ? 'ok' : 'FAILED'} in ${seconds(t)}`,
      }),
    );
  });
}

const quiet = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

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

if (built) {
  mkdirSync('.test-results', { recursive: true });
  rmSync('.test-results/vitest.json', { force: true });
  console.log(
    '\n=== vitest: unit, shared (node), tag (happy-dom), collector (workerd), e2e (Chromium), ... (typechecks and the deploy bundle run beside it)',
  );
  const t = Date.now();
  await new Promise((resolve) => {
    const child = spawn(
      'npx',
      ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.test-results/vitest.json'],
      { stdio: 'inherit', env: { ...process.env, ...quiet } },
    );
    child.on('close', resolve);
    child.on('error', resolve);
  });
  console.log(`=== vitest: done in ${seconds(t)}`);
  try {
    const report = JSON.parse(readFileSync('.test-results/vitest.json', 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests + report.numPendingTests + report.numTodoTests;
    // A file that fails to load has no tests but is a failure all the same.
    const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
    failed += brokenFiles.length;
    for (const f of brokenFiles) failures.push(`${f.name}: ${f.message?.split('\n')[0] ?? 'failed to run'}`);
    if (report.numFailedTests) failures.push(`${report.numFailedTests} vitest test(s)`);
  } catch (e) {
    failed++;
    failures.push(`vitest produced no report: ${e.message}`);
  }
}

for (const r of await checks) {
  console.log(r.text);
  count(r.name, r.ok);
}

console.log(`\nnpm test took ${seconds(started)}`);
if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
