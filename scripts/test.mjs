// `npm test`: every check and suite, ending with one line `N passed, N failed` that totals them all.
// Checks (tag build and size budget, typecheck, deploy bundle) count as one test each; every
// vitest test counts as itself.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium } from './ensure-chromium.mjs';

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return r.status === 0;
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
step('Env matches `wrangler types` (collector/worker-configuration.d.ts)', 'node', ['scripts/env-types.mjs', '--check']);
step('typecheck collector + shared', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
step('typecheck tag', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.tag.json']);
step('typecheck node suites', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.node.json']);
step('production bundle builds (wrangler deploy --dry-run)', 'npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist/worker'], quiet);

if (built) {
  mkdirSync('.test-results', { recursive: true });
  rmSync('.test-results/vitest.json', { force: true });
  console.log('\n=== vitest: shared (node), tag (happy-dom), collector (workerd), e2e (Chromium)');
  spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.test-results/vitest.json'], { stdio: 'inherit', env: { ...process.env, ...quiet } });
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

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
