// Soak: identifies (the tag's /v1/collect), CRM upserts (/v1/people, through the queue) and the
// deliveries they cause (an audience with a conversion on, sent to a Meta-shaped receiver on
// loopback), mixed for several minutes on local workerd. Prints throughput, p50/p99 latency per
// kind, the runtime's memory (RSS of the workerd process) over time, and the end check: every
// identified person stored, every upserted person's conversion delivered exactly once.
//
//   node bench/soak.mjs [--minutes 3] [--people 1500] [--concurrency 8]
//
// Runs the production bundle (`wrangler deploy --dry-run`) on Miniflare, not on plain `workerd
// serve`: in workerd a Queue binding only turns `send()` into an HTTP request to a named service;
// batching those messages and calling the consumer's queue() handler with acks and retries is what
// Miniflare's broker worker adds. Without it /v1/people, and with it the upsert half of the mix and
// every delivery, would not run. Miniflare is that broker plus workerd, with no wrangler layers (no
// file watcher, no proxy): the lightest runtime that runs the whole path. Every process, server and
// directory it starts is stopped or removed on every exit path (normal end, error, Ctrl-C, SIGTERM:
// bench/cleanup.mjs, as every benchmark does).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, onCleanup, trackDir } from './cleanup.mjs';
import { DEV_VARS_FOR_BENCH } from './dev-vars.mjs';
import { startMiniflare } from './miniflare-collector.mjs';
import { buildBundle } from './workerd-collector.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const MINUTES = opt('--minutes', 3);
// Local workerd keeps every Durable Object it touched open and fails past ~6,000: stay well below.
const PEOPLE = Math.min(opt('--people', 1500), 3000);
const CONCURRENCY = opt('--concurrency', 8);
const PIXEL = '7654321';
const TOKEN = 'EAAsoak-meta-token-000001';
const SK = DEV_VARS_FOR_BENCH.SECRET_KEY;
const DAY = 86_400_000;

// ---- a Meta Conversions API-shaped receiver: counts every event_id it is sent
async function startReceiver() {
  const copies = new Map();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      if (
        req.method !== 'POST' ||
        !new RegExp(`^/v\\d+\\.\\d+/${PIXEL}/events$`).test(url.pathname) ||
        url.searchParams.get('access_token') !== TOKEN
      ) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'bad request', type: 'OAuthException', code: 100 } }));
      }
      const data = JSON.parse(body).data ?? [];
      for (const e of data) copies.set(e.event_id, (copies.get(e.event_id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ events_received: data.length, messages: [], fbtrace_id: 'soak' }));
    });
  });
  onCleanup(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, copies };
}

// ---- the collector: the production bundle on Miniflare (workerd + its queue broker)
async function startCollector() {
  const state = mkdtempSync(join(tmpdir(), 'soak-state-'));
  trackDir(state);
  let log = '';
  const mf = await startMiniflare(state, { vars: { ALLOW_CUSTOM_ENDPOINTS: 'local' }, onOutput: (t) => (log += t) });
  // Miniflare runs workerd as a child of this process: that process is the runtime measured.
  const workerd = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find(([, comm]) => comm === 'workerd')?.[0];
  return { url: mf.url, pid: workerd ? Number(workerd) : null, stop: mf.stop, log: () => log };
}

/** RSS (MB) of the workerd process. */
function rssMb(pid) {
  if (!pid) return null;
  try {
    return Math.round(
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024,
    );
  } catch {
    return null;
  }
}

async function call(url, init) {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    return { status: res.status, body, ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, body: String(e), ms: performance.now() - t0 };
  }
}

const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

async function main() {
  buildBundle();
  const receiver = await startReceiver();
  const c = await startCollector();
  const api = (path, method = 'GET', body) =>
    call(`${c.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });

  const d = JSON.parse(
    (
      await api('/api/destinations', 'POST', {
        type: 'meta',
        name: 'soak',
        mode: 'live',
        endpoint: receiver.url,
        settings: { pixelId: PIXEL, accessToken: TOKEN },
      })
    ).body,
  );
  const a = JSON.parse(
    (
      await api('/api/audiences', 'POST', {
        name: 'soak MQL',
        criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
        timestamp: { field: 'crm.mql_at', withinDays: 7 },
      })
    ).body,
  );
  const on = await api(`/api/audiences/${a.id}/conversions`, 'POST', { destinationId: d.id, eventName: 'Lead' });
  if (on.status !== 201) throw new Error(`setup failed: ${on.status} ${on.body}`);

  const email = (i) => `soak-${i}@example.com`;
  const mqlAt = new Date(Date.now() - DAY).toISOString();
  const lat = { identify: [], upsert: [] };
  const errors = { identify: 0, upsert: 0 };
  const identified = new Set();
  const upserted = new Set();
  let ops = 0;
  let seq = 0;
  const memory = [];
  const started = Date.now();
  const until = started + MINUTES * 60_000;
  const sampler = setInterval(
    () => memory.push({ s: Math.round((Date.now() - started) / 1000), mb: rssMb(c.pid) }),
    5_000,
  );

  async function worker(w) {
    while (Date.now() < until) {
      const n = seq++;
      if (n % 10 < 7) {
        const i = Math.floor(Math.random() * PEOPLE);
        const body = {
          key: 'pk_dev_local',
          events: [
            {
              type: 'identify',
              messageId: `soak_${w}_${n}_${Date.now().toString(36)}`,
              anonymousId: `anon_soak_${i.toString(36).padStart(6, '0')}`,
              email: email(i),
              traits: { plan: 'pro' },
              touches: [{ kind: 'fbclid', value: `IwAR_soak_${i}`, firstSeen: Date.now() - DAY }],
            },
          ],
        };
        const r = await call(`${c.url}/v1/collect`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', origin: 'http://localhost:3000' },
          body: JSON.stringify(body),
        });
        lat.identify.push(r.ms);
        if (r.status === 200) identified.add(i);
        else errors.identify++;
      } else {
        const batch = Array.from({ length: 10 }, () => Math.floor(Math.random() * PEOPLE));
        const r = await api('/v1/people', 'POST', {
          people: batch.map((i) => ({
            email: email(i),
            source: 'crm',
            attributes: { lifecycle: 'mql', mql_at: mqlAt, score: n },
          })),
        });
        lat.upsert.push(r.ms);
        if (r.status === 202) for (const i of batch) upserted.add(i);
        else errors.upsert++;
      }
      ops++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const seconds = (Date.now() - started) / 1000;

  // Drain: every upserted person's entry delivered once (entries are once per person and timestamp).
  const drainStart = Date.now();
  while (Date.now() - drainStart < 900_000) {
    const delivered = [...receiver.copies.keys()].length;
    if (delivered >= upserted.size) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const drainSeconds = Math.round((Date.now() - drainStart) / 1000);
  clearInterval(sampler);
  memory.push({ s: Math.round((Date.now() - started) / 1000), mb: rssMb(c.pid) });
  let missing = 0;
  for (const i of identified) {
    const r = await api(`/api/people/${encodeURIComponent(email(i))}`);
    if (r.status !== 200) missing++;
  }
  const copies = [...receiver.copies.values()];
  const duplicates = copies.filter((n) => n > 1).length;
  const leaked = /soak-\d+@example\.com/.test(c.log());

  console.log(
    `\nsoak: ${MINUTES} min, ${PEOPLE} people, ${CONCURRENCY} clients, production bundle on Miniflare (local workerd + queue broker)`,
  );
  console.table({
    identify: {
      requests: lat.identify.length,
      errors: errors.identify,
      'req/s': Math.round(lat.identify.length / seconds),
      'p50 ms': pct(lat.identify, 50),
      'p99 ms': pct(lat.identify, 99),
    },
    'upsert (10 people)': {
      requests: lat.upsert.length,
      errors: errors.upsert,
      'req/s': Math.round(lat.upsert.length / seconds),
      'p50 ms': pct(lat.upsert, 50),
      'p99 ms': pct(lat.upsert, 99),
    },
  });
  console.log(`throughput: ${Math.round(ops / seconds)} requests/s mixed`);
  const mbs = memory.map((m) => m.mb).filter((x) => x !== null);
  console.log(
    `memory (RSS of the workerd process, MB): first ${mbs[0]}, max ${Math.max(...mbs)}, last ${mbs.at(-1)}  [every 30 s: ${memory
      .filter((m, i) => i % 6 === 0)
      .map((m) => `${m.s}s:${m.mb}`)
      .join(' ')}]`,
  );
  console.log(`queue and deliveries drained ${drainSeconds} s after the load stopped`);
  console.log(`people identified: ${identified.size}, missing afterwards: ${missing}`);
  console.log(
    `people upserted: ${upserted.size}, conversions delivered: ${copies.length}, sent twice: ${duplicates}, not delivered: ${Math.max(0, upserted.size - copies.length)}`,
  );
  console.log(`emails in the collector's log: ${leaked ? 'YES' : 'none'}`);
  const ok = missing === 0 && duplicates === 0 && copies.length === upserted.size && !leaked;
  console.log(ok ? 'nothing lost' : 'LOSS OR DUPLICATES: see above');
  return ok;
}

main()
  .then(async (ok) => {
    await cleanupAll();
    process.exit(ok ? 0 : 1);
  })
  .catch(async (e) => {
    console.error(e);
    await cleanupAll();
    process.exit(1);
  });
