// The fuzz run: every fast-check property over the public endpoints and the criteria language with
// FUZZ_RUNS cases each (default 10,000; CI runs the same files with a small sample). Prints the
// cases per property and the time each suite took; exits non-zero on any failure.
//   node scripts/fuzz.mjs            # 10,000 cases per property
//   FUZZ_RUNS=2000 node scripts/fuzz.mjs
import { spawnSync } from 'node:child_process';

const runs = process.env.FUZZ_RUNS || '10000';
const env = { ...process.env, FUZZ_RUNS: runs, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const suites = [
  ['shared', ['shared/criteria.fuzz.test.ts']],
  ['collector', ['test/worker/fuzz.test.ts', 'test/worker/fuzz-api.test.ts']],
];

console.log(`fuzz: ${runs} cases per property`);
const build = spawnSync('node', ['esbuild.config.mjs'], { stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);
const rows = [];
let failed = false;
for (const [project, files] of suites) {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', '--project', project, '--testTimeout', '0', ...files], {
    stdio: 'inherit',
    env,
  });
  rows.push({
    project,
    files: files.join(' '),
    status: r.status === 0 ? 'passed' : 'FAILED',
    seconds: Math.round((Date.now() - t0) / 1000),
  });
  if (r.status !== 0) failed = true;
}
console.log(`\nfuzz summary (${runs} cases per property)`);
console.table(rows);
process.exit(failed ? 1 : 0);
