#!/usr/bin/env node
// A stand-in for wrangler in the setup tests: records every call (argv and stdin) and keeps the
// account's queues, Worker and secrets in a JSON file, so a second run sees what the first made.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.env.FAKE_WRANGLER_STATE;
const state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { calls: [], queues: [], workers: {} };
const args = process.argv.slice(2);
const stdin = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
state.calls.push({ args, stdin });
const save = () => writeFileSync(file, JSON.stringify(state, null, 2));
const flag = (f) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
const worker = flag('--name') ?? 'open-conversions';
const [a, b] = args;

function exit(code, out = '', err = '') {
  save();
  if (out) process.stdout.write(out);
  if (err) process.stderr.write(err);
  process.exit(code);
}

if (a === 'queues' && b === 'list') {
  exit(
    0,
    `┌──────┬──────┐\n│ id │ name │ producers │ consumers │\n${state.queues.map((q) => `│ 0000 │ ${q} │ 1 │ 1 │`).join('\n')}\n└──────┘\n`,
  );
} else if (a === 'queues' && b === 'create') {
  if (state.queues.includes(args[2])) exit(1, '', `A queue with this name already exists [code: 11009]\n`);
  state.queues.push(args[2]);
  exit(0, `Creating queue ${args[2]}.\nCreated queue ${args[2]}.\n`);
} else if (a === 'secret' && b === 'list') {
  const w = state.workers[worker];
  if (!w) exit(1, '', `This Worker does not exist on your account. [code: 10007]\n`);
  exit(0, JSON.stringify(Object.keys(w.secrets).map((name) => ({ name, type: 'secret_text' }))));
} else if (a === 'secret' && b === 'put') {
  const w = state.workers[worker];
  if (!w) exit(1, '', 'There doesn\'t seem to be a Worker called "' + worker + '".\n');
  if (!stdin.trim()) exit(1, '', 'no value on stdin\n');
  w.secrets[args[2]] = stdin.trim();
  exit(0, `✨ Success! Uploaded secret ${args[2]}\n`);
} else if (a === 'deploy') {
  state.workers[worker] ??= { secrets: {} };
  state.workers[worker].deploys = (state.workers[worker].deploys ?? 0) + 1;
  exit(0, `Uploaded ${worker}\nDeployed ${worker} triggers\n  https://${worker}.fake-sub.workers.dev\n`);
} else exit(1, '', `fake wrangler: unknown command ${args.join(' ')}\n`);
