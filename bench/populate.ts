// Populate end to end on local workerd: seed N known people through POST /v1/people, restart the
// collector (cold objects, as in production), save an audience and time the populate job until every
// person is evaluated; then check the members API lists exactly the people the evaluator (run here in
// Node over the same attributes) says are members. Also the evaluator's own cost per person, in Node.
//   node bench/run.mjs populate [--people 5000] [--batch 10] [--seed-cache DIR]
// --seed-cache keeps the seeded state in DIR (first run) and starts later runs from a copy of it, so
// the populate can be re-run without seeding again (the seed takes minutes; same --people only).
// Local workerd keeps an idle object open ~10 s and gives all objects' SQLite one 512 MiB heap, so
// the local limit is how many objects are open at once (docs/audiences.md, "Performance").
// Every server it starts is stopped on every way out (bench/cleanup.mjs).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const arg = (name: string, fallback: number) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const PEOPLE = arg('--people', 5000);
// The JOBS consumer's batch size (wrangler.toml says 10): populate pages per consumer invocation.
const BATCH = arg('--batch', 10);
const SEED_CACHE = args.includes('--seed-cache') ? args[args.indexOf('--seed-cache') + 1]! : null;
const DAY = 86_400_000;
const SK = 'sk_dev_local';
const auth = { authorization: `Bearer ${SK}` };

const criteria: Criteria = {
  all: [
    { field: 'crm.lifecycle', op: 'in', value: ['mql', 'sql'] },
    {
      any: [
        { field: 'crm.amount', op: 'gte', value: 10_000 },
        { field: 'crm.country', op: 'eq', value: 'FR' },
      ],
    },
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
  const res = await fetch(base + path, {
    ...init,
    headers: { 'content-type': 'application/json', ...auth, ...(init.headers ?? {}) },
  });
  const body = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A read that may meet a 5xx while the runtime is short of SQLite memory (counted, tried again). */
let readRetries = 0;
async function read(base: string, path: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(base, path);
    } catch (e) {
      if (attempt >= 20 || !/: 5\d\d /.test(String((e as Error).message))) throw e;
      readRetries++;
      await sleep(1000);
    }
  }
}

async function countListed(base: string, prefix: string): Promise<number> {
  let n = 0;
  let cursor = '';
  for (;;) {
    const page = await call(
      base,
      `/api/people?query=${encodeURIComponent(prefix)}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    n += page.people.length;
    if (!page.cursor) return n;
    cursor = page.cursor;
  }
}

// Fails (instead of waiting forever) when the job's progress stands still this long.
const STALL_MS = 180_000;

async function waitForPopulate(base: string, id: string) {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const audience = await read(base, `/api/audiences/${id}`);
    const p = audience.populate;
    if (p?.status === 'done') return audience;
    if (p?.evaluated !== last) ((last = p?.evaluated), (movedAt = Date.now()));
    else if (Date.now() - movedAt > STALL_MS)
      throw new Error(`populate stalled for ${STALL_MS / 1000} s at ${JSON.stringify(p)}`);
    if (process.env.BENCH_VERBOSE) console.log(`  populate ${p?.evaluated}/${p?.total}`);
    await sleep(250);
  }
}

/** What the runtime printed that tells of trouble: failed pages (retried), SQLITE_NOMEM, other errors. */
const trouble = { pageFailed: 0, paused: 0, deadlines: 0, nomem: 0, last: [] as string[] };
function watchOutput(text: string) {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (line.includes('populate page failed')) trouble.pageFailed++;
    if (line.includes('populate paused')) trouble.paused++;
    if (line.includes('DeadlineError')) trouble.deadlines++;
    if (line.includes('SQLITE_NOMEM')) trouble.nomem++;
    trouble.last.push(line.slice(0, 300));
    if (trouble.last.length > 40) trouble.last.shift();
    if (process.env.BENCH_VERBOSE) console.log(`  [workerd] ${line.slice(0, 300)}`);
  }
}
function reportTrouble(label: string) {
  console.log(
    `${label}: ${trouble.paused} pauses after a failed evaluation (${trouble.deadlines} failures were a call past its 30 s deadline), ${trouble.pageFailed} populate pages failed and were retried, ${trouble.nomem} SQLITE_NOMEM lines in the runtime's output, ${readRetries} API reads answered 5xx and were tried again`,
  );
  trouble.pageFailed = 0;
  trouble.paused = 0;
  trouble.deadlines = 0;
  trouble.nomem = 0;
  readRetries = 0;
}

/** Every member's email, through the members API (the audit of each member, page by page). */
async function listMembers(base: string, id: string): Promise<Set<string>> {
  const emails = new Set<string>();
  let cursor = '';
  for (;;) {
    const page = await read(
      base,
      `/api/audiences/${id}/members?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const m of page.members) if (m.member) emails.add(m.email);
    if (!page.cursor) return emails;
    cursor = page.cursor;
  }
}

/** The members the evaluator finds at `now` over the seeded attributes, as the populate should. */
function expectedMembers(run: string, seededAt: number, withinDays: number, now: number): Set<string> {
  const rule = {
    ...definition,
    timestamp: { field: 'crm.mql_at', withinDays },
    reentry: 'once' as const,
    paused: false,
    allowTraits: false,
  };
  const out = new Set<string>();
  for (let i = 0; i < PEOPLE; i++)
    if (membership(rule, { crm: traitsOf(i, seededAt) }, now).member) out.add(`bench-${run}-${i}@example.com`);
  return out;
}

function compare(label: string, found: Set<string>, expected: Set<string>) {
  const missing = [...expected].filter((e) => !found.has(e));
  const extra = [...found].filter((e) => !expected.has(e));
  console.log(
    `${label}: ${found.size} members listed, ${expected.size} expected by the evaluator, ${missing.length} missing, ${extra.length} extra`,
  );
  if (missing.length || extra.length)
    throw new Error(
      `${label}: members differ (missing ${missing.slice(0, 3).join(', ')}; extra ${extra.slice(0, 3).join(', ')})`,
    );
}

async function main() {
  const now = Date.now();
  const cost = evaluatorCost(now);
  console.log(
    `evaluator (Node): membership ${cost.membershipUs.toFixed(2)} µs/person, decide ${cost.decideUs.toFixed(2)} µs/person (${Math.round(cost.memberShare * 100)} % members)`,
  );
  buildBundle();
  const state = mkdtempSync(join(tmpdir(), 'bench-populate-state-'));
  // At exit, after every server is stopped: removed while a runtime still ran, files came back.
  process.on('exit', () => rmSync(state, { recursive: true, force: true }));
  const cached =
    SEED_CACHE && existsSync(join(SEED_CACHE, 'seed.json'))
      ? (JSON.parse(readFileSync(join(SEED_CACHE, 'seed.json'), 'utf8')) as {
          run: string;
          seededAt: number;
          people: number;
        })
      : null;
  if (cached && cached.people !== PEOPLE) throw new Error(`${SEED_CACHE} holds ${cached.people} people, not ${PEOPLE}`);
  const run = cached?.run ?? now.toString(36);
  const seededAt = cached?.seededAt ?? now;
  if (cached) {
    cpSync(join(SEED_CACHE!, 'do'), join(state, 'do'), { recursive: true });
    console.log(`seed: ${PEOPLE} people copied from ${SEED_CACHE} (seeded ${new Date(seededAt).toISOString()})`);
  } else {
    const collector = await startMiniflare(state);
    const seedStart = performance.now();
    for (let i = 0; i < PEOPLE; i += 1000) {
      const people = Array.from({ length: Math.min(1000, PEOPLE - i) }, (_, j) => ({
        email: `bench-${run}-${i + j}@example.com`,
        source: 'crm',
        attributes: traitsOf(i + j, seededAt),
      }));
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
    console.log(
      `seed: ${PEOPLE} people through /v1/people and into the directory in ${seedS.toFixed(1)} s (${Math.round(PEOPLE / seedS)} people/s)`,
    );
    await collector.stop();
    if (SEED_CACHE) {
      cpSync(join(state, 'do'), join(SEED_CACHE, 'do'), { recursive: true });
      writeFileSync(join(SEED_CACHE, 'seed.json'), JSON.stringify({ run, seededAt, people: PEOPLE }));
    }
  }

  const collector = await startMiniflare(state, { batchSize: BATCH, onOutput: watchOutput });
  const savedAt = Date.now();
  const start = performance.now();
  const created = await call(collector.url, '/api/audiences', { method: 'POST', body: JSON.stringify(definition) });
  const done = await waitForPopulate(collector.url, created.id);
  const s = (performance.now() - start) / 1000;
  const p = done.populate;
  console.log(
    `populate (cold objects, consumer batch ${BATCH}): ${p.evaluated}/${p.total} evaluated, ${p.members} members, ${s.toFixed(1)} s, ${Math.round(p.evaluated / s)} people/s, ${((s * 1000) / p.evaluated).toFixed(1)} ms/person wall`,
  );
  reportTrouble('populate');
  if (p.evaluated !== PEOPLE || p.total !== PEOPLE)
    throw new Error(`populate evaluated ${p.evaluated} of ${p.total}, expected ${PEOPLE}`);
  const expected30 = expectedMembers(run, seededAt, 30, savedAt);
  if (p.members !== expected30.size || done.members !== expected30.size)
    throw new Error(`populate counted ${p.members} members (index ${done.members}), the evaluator ${expected30.size}`);
  compare('members API after populate', await listMembers(collector.url, created.id), expected30);

  const again = performance.now();
  const editedAt = Date.now();
  await call(collector.url, `/api/audiences/${created.id}`, {
    method: 'PATCH',
    body: JSON.stringify({ timestamp: { field: 'crm.mql_at', withinDays: 7 } }),
  });
  const edited = await waitForPopulate(collector.url, created.id);
  const s2 = (performance.now() - again) / 1000;
  console.log(
    `re-populate after an edit (warm objects): ${edited.populate.evaluated} evaluated, ${edited.populate.members} members, ${s2.toFixed(1)} s, ${Math.round(edited.populate.evaluated / s2)} people/s`,
  );
  reportTrouble('re-populate');
  compare(
    'members API after the edit',
    await listMembers(collector.url, created.id),
    expectedMembers(run, seededAt, 7, editedAt),
  );
  await collector.stop();
}

main()
  .catch((e) => {
    if (trouble.last.length) console.error(`the runtime's last output lines:\n${trouble.last.join('\n')}`);
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
