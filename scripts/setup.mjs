// `npm run setup`: from a Cloudflare account (wrangler logged in) to a deployed collector. Creates the
// queues wrangler.toml binds, generates and puts the secrets (on wrangler's stdin, never in argv,
// never printed), routes the collector on the site's hostname, deploys, and prints what to do next.
// Safe to run again: existing queues and secrets are kept unless --rotate names them.
// Options: --yes (no questions), --origins, --hostname, --base-path, --segment, --rotate NAME[,NAME],
// --name (the Worker's name), --dry-run (print every wrangler command, secrets masked; change nothing).
// OC_WRANGLER names the wrangler binary (default: the project's own).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { GENERATED, ROTATION_EFFECTS, mask } from './setup/secrets.mjs';

const { values: opts } = parseArgs({
  options: {
    yes: { type: 'boolean', short: 'y', default: false },
    'dry-run': { type: 'boolean', default: false },
    origins: { type: 'string' },
    hostname: { type: 'string' },
    'base-path': { type: 'string' },
    segment: { type: 'boolean', default: false },
    rotate: { type: 'string' },
    name: { type: 'string' },
  },
});
const dry = opts['dry-run'];
const fail = (message) => {
  console.error(`setup: ${message}`);
  process.exit(1);
};

const config = readFileSync('wrangler.toml', 'utf8');
const name = opts.name ?? /^name\s*=\s*"([^"]+)"/m.exec(config)?.[1] ?? 'open-conversions';
const queues = [...new Set([...config.matchAll(/^\s*(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)].map((m) => m[1]))];
const secretsFile = `.deploy/${name}.env`;
const wranglerBin =
  process.env.OC_WRANGLER || (existsSync('node_modules/.bin/wrangler') ? 'node_modules/.bin/wrangler' : 'wrangler');
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const nameArgs = opts.name ? ['--name', opts.name] : [];

// ---- answers -------------------------------------------------------------------------------------
// Lines are queued as they arrive: piped answers (all read at once) are not lost between questions.
const rl = opts.yes
  ? null
  : createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
const lines = [];
const waiting = [];
let closed = false;
rl?.on('line', (line) => (waiting.length ? waiting.shift()(line) : lines.push(line)));
rl?.on('close', () => {
  closed = true;
  while (waiting.length) waiting.shift()('');
});
function nextLine(prompt) {
  process.stdout.write(prompt);
  if (lines.length) return Promise.resolve(lines.shift());
  return closed ? Promise.resolve('') : new Promise((resolve) => waiting.push(resolve));
}
async function ask(question, fallback) {
  if (!rl) return fallback ?? '';
  const answer = (await nextLine(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
  return answer || fallback || '';
}
async function confirm(question) {
  if (!rl) return true;
  return /^y(es)?$/i.test((await nextLine(`${question} [y/N]: `)).trim());
}

const origins = (
  opts.origins ?? (await ask("Your site's origins, comma-separated (e.g. https://example.com,https://www.example.com)"))
)
  .split(',')
  .map((o) => o.trim().replace(/\/+$/, ''))
  .filter(Boolean);
if (!origins.length) fail('give at least one origin of your site (--origins https://example.com)');
for (const o of origins)
  if (!/^https?:\/\/[a-z0-9*.-]+(:(\d+|\*))?$/i.test(o))
    fail(`"${o}" is not an origin (scheme://host[:port], no path)`);
const hostname = (
  opts.hostname ??
  (await ask("The collector's hostname (your site's host with a base path, or a subdomain; empty for workers.dev)", ''))
)
  .trim()
  .toLowerCase();
if (hostname && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(hostname))
  fail(`"${hostname}" is not a hostname (no scheme, no path)`);
const siteHost = origins.some((o) => new URL(o.replace('*', 'x')).hostname === hostname);
let basePath = opts['base-path'] ?? (hostname ? await ask('Base path on that host', siteHost ? '/_cb' : '') : '');
basePath = basePath.trim().replace(/\/+$/, '');
if (basePath && !basePath.startsWith('/')) basePath = `/${basePath}`;
if (basePath && !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) fail(`"${basePath}" is not a path prefix like /_cb`);
const segment =
  opts.segment ||
  (rl ? await confirm('Receive Segment events through its Webhooks destination (makes a webhook secret)?') : false);
const rotate = (opts.rotate ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const r of rotate) if (!(r in GENERATED)) fail(`--rotate takes ${Object.keys(GENERATED).join(', ')}; not ${r}`);

// ---- wrangler ------------------------------------------------------------------------------------
function show(args, stdinNote) {
  console.log(
    `${dry ? 'would run' : 'running'}: wrangler ${args.join(' ')}${stdinNote ? `  (stdin: ${stdinNote})` : ''}`,
  );
}
function wrangler(args, { input, quiet = false } = {}) {
  const r = spawnSync(wranglerBin, args, {
    env: wranglerEnv,
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) fail(`could not run ${wranglerBin}: ${r.error.message} (set OC_WRANGLER to the wrangler binary)`);
  if (!quiet && r.stdout) process.stdout.write(r.stdout);
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
/** Commands that change the account; in a dry run only printed. */
function change(args, input, stdinNote) {
  show(args, stdinNote);
  if (dry) return { ok: true, stdout: '' };
  const r = wrangler(args, { input });
  if (!r.ok) fail(`wrangler ${args[0]} ${args[1] ?? ''} failed:\n${r.stderr.trim()}`);
  return r;
}

// Read-only lookups run in a dry run too, so it shows exactly what a real run would change.
const listed = wrangler(['queues', 'list'], { quiet: true });
if (!listed.ok && !dry)
  fail(`could not list queues (is wrangler logged in? run: npx wrangler login):\n${listed.stderr.trim()}`);
const hasQueue = (q) =>
  new RegExp(`(^|[\\s│|])${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([\\s│|]|$)`, 'm').test(listed.stdout);
const secretList = wrangler(['secret', 'list', '--format', 'json', ...nameArgs], { quiet: true });
let existing = [];
try {
  existing = secretList.ok ? JSON.parse(secretList.stdout).map((s) => s.name) : []; // a Worker not yet deployed has none
} catch {
  fail(`could not read the output of wrangler secret list:\n${secretList.stdout.slice(0, 200)}`);
}

const local = existsSync(secretsFile)
  ? Object.fromEntries(
      readFileSync(secretsFile, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
  : {};
const wanted = [
  'SECRET_KEY',
  'PUBLISHABLE_KEY',
  'IDENTITY_SECRET',
  'ENCRYPTION_KEY',
  ...(segment || existing.includes('SEGMENT_WEBHOOK_SECRET') ? ['SEGMENT_WEBHOOK_SECRET'] : []),
];
const plan = wanted.map((n) => {
  if (rotate.includes(n)) return { name: n, action: 'rotate', value: GENERATED[n]() };
  if (existing.includes(n)) return { name: n, action: 'keep', value: local[n] };
  // Put before but never deployed (a run that stopped halfway): the same value again, not a new one.
  return { name: n, action: 'create', value: local[n] ?? GENERATED[n]() };
});

if (rotate.length) {
  console.log('\nRotating replaces a secret in the running deployment at once:');
  for (const r of rotate) console.log(`  ${r}: ${ROTATION_EFFECTS[r]}`);
  if (!dry && rl && !(await confirm('Rotate now?'))) fail('nothing rotated, nothing changed');
  console.log('');
}

// ---- run -----------------------------------------------------------------------------------------
for (const q of queues) {
  if (hasQueue(q)) console.log(`queue ${q}: exists, kept`);
  else change(['queues', 'create', q]);
}

// OC_SETUP_SKIP_BUILD: the tag is built already (tests: a rebuild would reload every running `wrangler dev`).
if (!dry && !process.env.OC_SETUP_SKIP_BUILD) {
  const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) fail('the tag build failed (node esbuild.config.mjs)');
}
const deployArgs = ['deploy', ...nameArgs];
if (hostname) deployArgs.push('--route', `${hostname}${basePath}/*`);
if (basePath) deployArgs.push('--var', `BASE_PATH:${basePath}`);
const deployed = change(deployArgs);

// Secrets go after the deploy: `secret put` on a Worker that does not exist yet would ask to create it.
if (!dry) {
  mkdirSync('.deploy', { recursive: true });
  const kept = plan.filter((p) => p.value !== undefined).map((p) => `${p.name}=${p.value}`);
  writeFileSync(
    secretsFile,
    `# Secrets of the ${name} deployment (npm run setup). Keep this file private; it is git-ignored.\n${kept.join('\n')}\n`,
    { mode: 0o600 },
  );
  chmodSync(secretsFile, 0o600);
}
for (const p of plan) {
  if (p.action === 'keep') console.log(`secret ${p.name}: exists, kept`);
  else change(['secret', 'put', p.name, ...nameArgs], `${p.value}\n`, mask(p.value));
}
// Origins are not secret, but live beside the keys so `wrangler.toml` never names a site.
change(['secret', 'put', 'ALLOWED_ORIGINS', ...nameArgs], `${origins.join(',')}\n`, origins.join(','));

// ---- what next -----------------------------------------------------------------------------------
const workersDev = /https:\/\/[^\s]+\.workers\.dev/.exec(deployed.stdout)?.[0];
const url = hostname
  ? `https://${hostname}${basePath}`
  : (workersDev ?? `https://${name}.<your-subdomain>.workers.dev`);
const pk = plan.find((p) => p.name === 'PUBLISHABLE_KEY')?.value;
let snippet = "(open the admin's Install page for the snippet)";
if (pk && existsSync('dist/snippet.js')) {
  const literal = (v) => JSON.stringify(v).replace(/</g, '\\u003c');
  snippet = `<script>\n${readFileSync('dist/snippet.js', 'utf8')
    .replace('"__CB_KEY__"', () => literal(pk))
    .replace('"__CB_HOST__"', () => literal(url))}\n</script>`;
}
console.log(`
${dry ? 'Dry run: nothing was changed.' : `Deployed ${name}.`}

Collector   ${url}
Admin       ${url}/admin   (sign in with SECRET_KEY from ${secretsFile})
Secrets     ${dry ? '(a real run writes them to ' + secretsFile + ', git-ignored, mode 600)' : secretsFile}

Paste this snippet on every page of ${origins.join(', ')}:
${snippet}

Next steps
  1. Check the deployment end to end (after 5 minutes: the first cron run is one of the checks):
     npm run smoke -- ${url} --origin ${origins[0]} --key "$(sed -n 's/^SECRET_KEY=//p' ${secretsFile})"
${hostname ? `  2. ${hostname} must be a zone on this Cloudflare account with its DNS record proxied (orange cloud).\n` : '  2. Route it on your own site (https://example.com/_cb/*) for first-party cookies: npm run setup -- --hostname example.com --base-path /_cb\n'}  3. Add destinations in the admin (they start in dry_run), then an audience and its conversion.
${segment ? `  4. Segment: add a Webhooks destination pointing at ${url}/segment/webhook with SEGMENT_WEBHOOK_SECRET from ${secretsFile}.\n` : ''}  Operating it (upgrades, exports, rotating secrets, limits, cost): docs/operations.md
`);
rl?.close();
