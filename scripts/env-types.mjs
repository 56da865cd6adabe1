// `Env` (the collector's bindings) is generated from wrangler.toml by `wrangler types` into
// collector/worker-configuration.d.ts; secrets, which wrangler.toml never names, are typed in
// collector/env-secrets.d.ts. `node scripts/env-types.mjs` regenerates the file after a change to
// wrangler.toml; `--check` (run by `npm test`) fails when the committed file differs from what
// `wrangler types` writes. Local .dev.vars are ignored (`--env-file /dev/null`): they would type
// the optional secrets as always present.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const file = 'collector/worker-configuration.d.ts';
const check = process.argv.includes('--check');
const before = readFileSync(file, 'utf8');
const r = spawnSync(
  'npx',
  ['wrangler', 'types', file, '--include-runtime', 'false', '--strict-vars', 'false', '--env-file', '/dev/null'],
  {
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  },
);
if (r.status !== 0) {
  console.error(r.stdout, r.stderr);
  process.exit(1);
}
const after = readFileSync(file, 'utf8');
if (check && after !== before) {
  writeFileSync(file, before);
  console.error(`${file} is out of date with wrangler.toml: run \`node scripts/env-types.mjs\` and commit it.`);
  process.exit(1);
}
console.log(after === before ? `${file} is up to date.` : `${file} regenerated.`);
