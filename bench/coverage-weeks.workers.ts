// Match coverage over 8 weeks, two ways: the weekly counters a DestinationObject keeps (what the
// overview and GET /api/coverage read) against a scan of the outbox rows' recorded coverage (what
// they would read without counters). Also the cost of keeping the counters: one upsert per row.
// Prints, for N = 10,000 and 100,000 rows over 8 weeks: the time to count N rows, and the median of
// 5 reads each way.
//   npx vitest run --config bench/vitest.config.ts --project bench-workers bench/coverage-weeks.workers.ts
import { env as cfEnv } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { it } from 'vitest';
import type { Env } from '../collector/env';
import { type DestinationObject } from '../collector/objects/destination';
import { destinationById as destinationObject } from '../collector/objects/doors';
import { SqlOutboxStore } from '../collector/delivery/sql-outbox-store';
import { weekOf, WEEK_MS } from '../collector/delivery/coverage-report';
import type { MatchCoverage } from '../collector/delivery/match-coverage';

const env = cfEnv as unknown as Env;
const inObject = runInDurableObject as unknown as <T>(stub: unknown, fn: (o: DestinationObject) => T) => Promise<T>;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const COVERAGES: MatchCoverage[] = [
  {
    keys: ['click_id', 'email', 'fbc', 'fbp', 'ip_user_agent'],
    originatingClick: true,
    score: 7.5,
    scheme: 'meta_emq',
  },
  { keys: ['click_id', 'email', 'fbc', 'ip_user_agent'], originatingClick: false, score: 5.3, scheme: 'meta_emq' },
  { keys: ['email'], originatingClick: null, score: 3, scheme: 'meta_emq' },
  { keys: ['email', 'phone'], originatingClick: null, score: 4.5, scheme: 'meta_emq' },
];

for (const [n, ROWS] of [10_000, 100_000].entries())
  it(`coverage over 8 weeks of ${ROWS.toLocaleString('en')} rows`, async () => {
    const id = `dst_00000000000000c${n}`;
    const stub = destinationObject(env, id);
    const now = Date.now();
    await stub.log({ limit: 1 }); // creates the tables
    const out = await inObject(stub, (o) => {
      const ctx = (o as unknown as { ctx: DurableObjectState }).ctx;
      const sql = ctx.storage.sql;
      const store = new SqlOutboxStore(sql);
      const times: { at: number; c: MatchCoverage }[] = Array.from({ length: ROWS }, (_, i) => ({
        at: now - Math.floor((((i * 7919) % 1000) / 1000) * 8 * WEEK_MS),
        c: COVERAGES[i % 4]!,
      }));
      ctx.storage.transactionSync(() => {
        for (const [i, t] of times.entries())
          sql.exec(
            `INSERT INTO outbox (id, item, status, due_at, created_at, updated_at, coverage) VALUES (?, '{}', 'sent', ?, ?, ?, ?)`,
            `row_${i}`,
            t.at,
            t.at,
            t.at,
            JSON.stringify(t.c),
          );
      });
      let t0 = performance.now();
      ctx.storage.transactionSync(() => {
        for (const t of times) store.countCoverage(t.at, t.c);
      });
      const counting = performance.now() - t0;
      const from = weekOf(now) - 7;
      const counters: number[] = [];
      const scans: number[] = [];
      for (let r = 0; r < 5; r++) {
        t0 = performance.now();
        store.coverageWeeks(from);
        counters.push(performance.now() - t0);
        t0 = performance.now();
        sql
          .exec(
            `SELECT (created_at - ?) / ${WEEK_MS} AS w, j.value AS k, count(*) AS n FROM outbox, json_each(outbox.coverage, '$.keys') AS j
           WHERE created_at >= ? AND coverage IS NOT NULL GROUP BY w, k`,
            now - 8 * WEEK_MS,
            now - 8 * WEEK_MS,
          )
          .toArray();
        sql
          .exec(
            `SELECT (created_at - ?) / ${WEEK_MS} AS w, count(*) AS n, sum(json_extract(coverage, '$.score')) AS s FROM outbox WHERE created_at >= ? AND coverage IS NOT NULL GROUP BY w`,
            now - 8 * WEEK_MS,
            now - 8 * WEEK_MS,
          )
          .toArray();
        scans.push(performance.now() - t0);
      }
      return { counting, counter: median(counters), scan: median(scans) };
    });
    console.log(
      `${ROWS.toLocaleString('en')} rows over 8 weeks: counting them ${out.counting.toFixed(0)} ms (${((out.counting / ROWS) * 1000).toFixed(1)} µs a row); ` +
        `reading 8 weeks from the counters ${out.counter.toFixed(2)} ms, scanning the rows ${out.scan.toFixed(1)} ms (median of 5)`,
    );
  });
