// Populate end to end on local workerd: seed N known people through POST /v1/people, restart the
// collector (cold objects, as in production; local workerd also keeps every object it touched open
// and fails past ~6,000: ../shared/reference/perf-anchors.md), save an audience and time the populate
// job until every person is evaluated. Also the evaluator's own cost per person, in Node.
//   node bench/run.mjs populate [--people 5000]
// Every server it starts is stopped on every way out (bench/cleanup.mjs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { membership, type Criteria } from '../shared/criteria';
import { decide } from '../collector/audiences/entry-rules';
// @ts-expect-error plain ESM helpers without types
import { buildBundle } from './workerd-collector.mjs';
// @ts-expect-error plain ESM helpers without types
import { startMiniflare } from './miniflare-collector.mjs';
// @ts-expect-error plain ESM helpers without types
import { cleanupAll } from './cleanup.mjs';

const args = process.argv.slice(2);
const PEOPLE = Number(args.includes('--people') ? args[args.indexOf('--people') + 1] : 5000);
const DAY = 86_400_000;
const SK = 'sk_dev_local';
const auth = { authorization: `Bearer ${SK}` };

const criteria: Criteria = {
  all: [
    { field: 'crm.lifecycle', op: 'in', value: ['mql', 'sql'] },
    { any: [{ field: 'crm.amount', op: 'gte', value: 10_000 }, { field: 'crm.country', op: 'eq', value: 'FR' }] },
    { not: { field: 'crm.email_domain', op: 'eq', value: 'competitor.com' } },
  ],
};
const definition = { name: 'bench', criteria, timestamp: { field: 'crm.mql_at', withinDays: 30 } };

function traitsOf(i: number, now: number) {
  return {
    lifecycle: ['lead', 'mql', 'sql'][i % 3],
    amount: (i * 7919) % 50_000,
    country: i % 4 === 0 ? 'FR' : 'US',
    email_domain: i % 10 === 0 ? 'competitor.com' : 'example.com',
    mql_at: new Date(now - (i % 60) * DAY).toISOString(),
  };
}

function evaluatorCost(now: number) {
  const people = Array.from({ length: 10_000 }, (_, i) => ({ crm: traitsOf(i, now) }));
  const rule = { ...definition, reentry: 'once' as const, paused: false, allowTraits: false };
  for (const p of people) membership(rule, p, now); // warm up
  const rounds = 20;
  let start = performance.now();
  let members = 0;
  for (let r = 0; r < rounds; r++) for (const p of people) if (membership(rule, p, now).member) members++;
  const membershipUs = ((performance.now() - start) * 1000) / (rounds * people.length);
  start = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of people) decide(rule, p, { member: false, entryTimestamps: [] }, now);
  const decideUs = ((performance.now() - start) * 1000) / (rounds * people.length);
  return { membershipUs, decideUs, memberShare: members / (rounds * people.length) };
}

async function call(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, { ...init, headers: { 'content-type': 'application/json', ...auth, ...(init.headers ?? {}) } });
  const body = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function countListed(base: string, prefix: string): Promise<number> {
  let n = 0;
  let cursor = '';
  for (;;) {
    const page = await call(base, `/api/people?query=${encodeURIComponent(prefix)}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    n += page.people.length;
    if (!page.cursor) return n;
    cursor = page.cursor;
  }
}

async function waitForPopulate(base: string, id: string) {
  for (;;) {
    const audience = await call(base, `/api/audiences/${id}`);
    if (audience.populate?.status === 'done') return audience;
    await sleep(250);
  }
}

async function main() {
  const now = Date.now();
  const cost = evaluatorCost(now);
  console.log(`evaluator (Node): membership ${cost.membershipUs.toFixed(2)} µs/person, decide ${cost.decideUs.toFixed(2)} µs/person (${Math.round(cost.memberShare * 100)} % members)`);
  buildBundle();
  const state = mkdtempSync(join(tmpdir(), 'bench-populate-state-'));
  let collector = await startMiniflare(state);
  const run = now.toString(36);
  const seedStart = performance.now();
  for (let i = 0; i < PEOPLE; i += 1000) {
    const people = Array.from({ length: Math.min(1000, PEOPLE - i) }, (_, j) => ({ email: `bench-${run}-${i + j}@example.com`, source: 'crm', attributes: traitsOf(i + j, now) }));
    const { jobId } = await call(collector.url, '/v1/people', { method: 'POST', body: JSON.stringify({ people }) });
    for (;;) {
      const job = await call(collector.url, `/api/jobs/${jobId}`);
      if (job.state === 'done') break;
      await sleep(250);
    }
  }
  // Each person's outbox alarm puts them in the directory; wait until all are there.
  while ((await countListed(collector.url, `bench-${run}-`)) < PEOPLE) await sleep(1000);
  const seedS = (performance.now() - seedStart) / 1000;
  console.log(`seed: ${PEOPLE} people through /v1/people and into the directory in ${seedS.toFixed(1)} s (${Math.round(PEOPLE / seedS)} people/s)`);

  await collector.stop();
  collector = await startMiniflare(state);
  const start = performance.now();
  const created = await call(collector.url, '/api/audiences', { method: 'POST', body: JSON.stringify(definition) });
  const done = await waitForPopulate(collector.url, created.id);
  const s = (performance.now() - start) / 1000;
  console.log(`populate (cold objects): ${done.populate.evaluated}/${done.populate.total} evaluated, ${done.populate.members} members, ${s.toFixed(1)} s, ${Math.round(done.populate.evaluated / s)} people/s, ${((s * 1000) / done.populate.evaluated).toFixed(1)} ms/person wall`);

  const again = performance.now();
  await call(collector.url, `/api/audiences/${created.id}`, { method: 'PATCH', body: JSON.stringify({ timestamp: { field: 'crm.mql_at', withinDays: 7 } }) });
  const edited = await waitForPopulate(collector.url, created.id);
  const s2 = (performance.now() - again) / 1000;
  console.log(`re-populate after an edit (warm objects): ${edited.populate.evaluated} evaluated, ${edited.populate.members} members, ${s2.toFixed(1)} s, ${Math.round(edited.populate.evaluated / s2)} people/s`);
  await collector.stop();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
