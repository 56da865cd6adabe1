// Populate end to end on local workerd (wrangler dev): seed N known people through /v1/people,
// restart the collector (local workerd keeps every Durable Object it touched open and fails past
// ~6,000: ../shared/reference/perf-anchors.md), save an audience and time the populate job until
// every person is evaluated. Also the evaluator's own cost per person, in Node.
//   npm run build && npx vitest run --config bench/vitest.config.ts --project bench-node
//   BENCH_PEOPLE=2000 ... for a shorter run
import { it } from 'vitest';
import { membership, type Criteria } from '../shared/criteria';
import { decide } from '../collector/audiences/entry-rules';
import { startCollector, type RunningCollector } from '../test/support/collector';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5000);
const DAY = 86_400_000;
const SK = 'sk_dev_local';

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

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitForPopulate(c: RunningCollector, id: string) {
  for (;;) {
    const res = await fetch(`${c.url}/api/audiences/${id}`, { headers: { authorization: `Bearer ${SK}` } });
    const audience = (await res.json()) as any;
    if (audience.populate?.status === 'done') return audience;
    await new Promise((r) => setTimeout(r, 250));
  }
}

it(`populate over ${PEOPLE} known people`, async () => {
  const now = Date.now();
  const cost = evaluatorCost(now);
  console.log(`evaluator: membership ${cost.membershipUs.toFixed(2)} µs/person, decide ${cost.decideUs.toFixed(2)} µs/person (Node, ${Math.round(cost.memberShare * 100)} % members)`);

  let collector = await startCollector();
  try {
    const seedStart = performance.now();
    // The CRM path: POST /v1/people, 1,000 per request, applied through the jobs queue.
    for (let i = 0; i < PEOPLE; i += 1000) {
      const people = Array.from({ length: Math.min(1000, PEOPLE - i) }, (_, j) => ({
        email: `bench-${i + j}@example.com`, source: 'crm', attributes: traitsOf(i + j, now),
      }));
      const { jobId } = await post(`${collector.url}/v1/people`, { people }, { authorization: `Bearer ${SK}` });
      for (;;) {
        const job = (await (await fetch(`${collector.url}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${SK}` } })).json()) as any;
        if (job.state === 'done') break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const seedS = (performance.now() - seedStart) / 1000;
    console.log(`seed: ${PEOPLE} people through /v1/people in ${seedS.toFixed(1)} s (${Math.round(PEOPLE / seedS)} people/s)`);
    // Fresh workerd on the same state: the populate touches every person again.
    const { persistDir } = collector;
    await collector.stop();
    collector = await startCollector({ persistDir });
    // The directory fills from each person's outbox alarm (persisted, so it survives the restart).
    await new Promise((r) => setTimeout(r, 5000));

    const start = performance.now();
    const created = await post(`${collector.url}/api/audiences`, definition, { authorization: `Bearer ${SK}` });
    const done = await waitForPopulate(collector, created.id);
    const s = (performance.now() - start) / 1000;
    console.log(
      `populate: ${done.populate.evaluated}/${done.populate.total} people evaluated, ${done.populate.members} members, ` +
        `${s.toFixed(1)} s, ${Math.round(done.populate.evaluated / s)} people/s`,
    );

    // A second populate (edit) over the now-open objects.
    const again = performance.now();
    await fetch(`${collector.url}/api/audiences/${created.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${SK}` },
      body: JSON.stringify({ timestamp: { field: 'crm.mql_at', withinDays: 7 } }),
    }).then((r) => r.text());
    const edited = await waitForPopulate(collector, created.id);
    const s2 = (performance.now() - again) / 1000;
    console.log(`re-populate after an edit: ${edited.populate.evaluated} people, ${edited.populate.members} members, ${s2.toFixed(1)} s, ${Math.round(edited.populate.evaluated / s2)} people/s`);
  } finally {
    await collector.stop();
  }
});
