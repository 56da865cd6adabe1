// Bulk CRM upsert: 5,000 new people through POST /v1/people (5 requests of 1,000), applied by the
// JOBS queue consumer. Runs the production bundle on local workerd through Miniflare (for its queue
// broker), in a fresh state directory: local workerd keeps every Durable Object it touched open and
// fails past ~6,000, so the count stays under that. Prints people per second.
//
//   node bench/ingest-people.mjs [--people 5000]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from './workerd-collector.mjs';
import { startMiniflare } from './miniflare-collector.mjs';
const args = process.argv.slice(2);
const PEOPLE = Number(args.includes('--people') ? args[args.indexOf('--people') + 1] : 5000);
const PER_REQUEST = 1000;
const SK = 'sk_dev_local';

buildBundle();
const state = mkdtempSync(join(tmpdir(), 'bench-people-state-'));
const mf = await startMiniflare(state, { batchSize: Number(process.env.BENCH_BATCH ?? 10) });
const base = mf.url;
const stop = () => mf.stop();
console.log(`collector up on ${base}`);
const run = Date.now().toString(36);
const row = (i) => ({
  email: `bulk-${run}-${i}@example.com`,
  source: 'crm',
  attributes: {
    lead: { status: i % 3 ? 'MQL' : 'SQL', score: i % 100, createdAt: '2026-11-01T10:00:00Z' },
    owner: `rep-${i % 17}`,
    company: { name: `Company ${i}`, employees: 10 + (i % 500) },
  },
});

const t0 = performance.now();
const jobs = [];
for (let start = 0; start < PEOPLE; start += PER_REQUEST) {
  const people = Array.from({ length: Math.min(PER_REQUEST, PEOPLE - start) }, (_, k) => row(start + k));
  let res;
  let text = '';
  // wrangler dev may still be reloading right after start-up: such a 503 is answered before any work.
  for (let attempt = 0; attempt < 5; attempt++) {
    res = await fetch(`${base}/v1/people`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: JSON.stringify({ people }),
    });
    text = await res.text();
    if (!(res.status === 503 && text.includes('restarted mid-request'))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`upsert answered ${res.status}: ${text.slice(0, 500)}`);
  }
  if (res.status !== 202) throw new Error(`upsert refused: ${res.status} ${JSON.stringify(body)}`);
  jobs.push(body.jobId);
  if (process.env.BENCH_VERBOSE) console.log('queued', body.jobId, body.accepted);
}
const accepted = performance.now() - t0;

let done = 0;
let applied = 0;
let failed = 0;
for (const id of jobs) {
  for (;;) {
    let job;
    try {
      job = await (
        await fetch(`${base}/api/jobs/${id}`, {
          headers: { authorization: `Bearer ${SK}` },
          signal: AbortSignal.timeout(60_000),
        })
      ).json();
    } catch (e) {
      console.error(`job ${id} unreadable (${e})`);
      await stop();
      process.exit(1);
    }
    if (job.state === 'done') {
      done++;
      applied += job.applied;
      failed += job.failed + job.suppressed;
      break;
    }
    if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(job));
    await new Promise((r) => setTimeout(r, process.env.BENCH_VERBOSE ? 2000 : 100));
  }
}
const total = performance.now() - t0;

// Spot check: a person from the last request is stored with its attributes.
const last = row(PEOPLE - 1);
const person = await (
  await fetch(`${base}/api/people/${encodeURIComponent(last.email)}`, { headers: { authorization: `Bearer ${SK}` } })
).json();
const ok = JSON.stringify(person.attributes?.crm) === JSON.stringify(last.attributes);

console.log(`\n## Bulk CRM upsert (production bundle on Miniflare/workerd, fresh state)\n`);
console.log(`people:                ${PEOPLE} in ${jobs.length} requests of <= ${PER_REQUEST}`);
console.log(`all requests accepted: ${(accepted / 1000).toFixed(2)} s (202, validated and queued)`);
console.log(
  `all jobs done:         ${(total / 1000).toFixed(2)} s  (applied ${applied}, not applied ${failed}, jobs ${done}/${jobs.length})`,
);
console.log(`throughput:            ${((applied / total) * 1000).toFixed(0)} people/s end to end`);
console.log(`spot check:            ${ok ? 'ok' : 'MISMATCH ' + JSON.stringify(person)}`);
await stop();
process.exit(ok && applied === PEOPLE ? 0 : 1);
