// `npm start`: builds the tag, makes .dev.vars from the committed example on first run, and runs
// the collector on local workerd (wrangler dev) with its state kept in .wrangler/state between runs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars');
  console.log('Created .dev.vars from .dev.vars.example (local keys only; never deployed).');
}
const build = spawnSync('node', ['esbuild.config.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const vars = Object.fromEntries(
  readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const port = process.env.PORT ?? '8787';
const base = `http://localhost:${port}`;
console.log(`
  Collector   ${base}
  Demo page   ${base}/demo
  Tag         ${base}/v1/tag.js
  Admin       ${base}/admin  (sign in with the secret key below)
  Keys        publishable ${vars.PUBLISHABLE_KEY}  (origins: ${vars.ALLOWED_ORIGINS})
              secret      ${vars.SECRET_KEY}
  Try it      curl -H "Authorization: Bearer ${vars.SECRET_KEY}" ${base}/api/install
`);
const child = spawn(
  'npx',
  ['wrangler', 'dev', '--port', port, '--persist-to', '.wrangler/state', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...process.env },
  },
);
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
