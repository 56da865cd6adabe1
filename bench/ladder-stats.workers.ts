// The stage ladder's weekly counts: a DestinationObject's outbox seeded with N Meta rows over 12
// weeks and STAGES audiences (plus as many rows of other audiences), then the grouped query the
// ladder view runs per destination. Prints the seed time and the query's time (median of 5), for
// N = 1,000, 10,000 and 100,000.
//   npx vitest run --config bench/vitest.config.ts --project bench-workers bench/ladder-stats.workers.ts
import { env as cfEnv } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { it } from 'vitest';
import type { Env } from '../collector/env';
import { type DestinationObject } from '../collector/objects/destination';
import { destinationById } from '../collector/objects/doors';

const env = cfEnv as unknown as Env;
// Loosely typed: the object's RPC type is too deep for runInDurableObject's inference.
const inObject = runInDurableObject as unknown as (stub: unknown, fn: (o: DestinationObject) => void) => Promise<void>;
const STAGES = 5;
const WEEK = 7 * 86_400_000;

for (const [n, ROWS] of [1_000, 10_000, 100_000].entries())
  it(`ladder weekly counts over ${ROWS.toLocaleString('en')} outbox rows`, async () => {
    const id = `dst_00000000000000a${n}`;
    const stub = destinationById(env, id);
    const now = Date.now();
    const seedStart = performance.now();
    await stub.log({ limit: 1 }); // creates the tables
    await inObject(stub, (o) => {
      const ctx = (o as unknown as { ctx: DurableObjectState }).ctx;
      ctx.storage.transactionSync(() => {
        ctx.storage.sql.exec(
          `INSERT OR REPLACE INTO config (id, destination_id, type, mode, sealed_settings, updated_at) VALUES (1, ?, 'meta', 'dry_run', 'x', ?)`,
          id,
          now,
        );
        for (let i = 0; i < ROWS * 2; i++) {
          const created = now - Math.floor((((i * 7919) % 1000) / 1000) * 12 * WEEK);
          const audience = i % 2 === 0 ? `aud_stage_${(i % (STAGES * 2)) / 2}` : `aud_other_${i % 7}`;
          const item = JSON.stringify({
            event_name: 'Lead',
            event_time: Math.floor(created / 1000) - 3600,
            event_id: i.toString(16).padStart(32, '0'),
            custom_data: i % 3 === 0 ? { value: 1250.5, currency: 'USD' } : undefined,
          });
          ctx.storage.sql.exec(
            `INSERT INTO outbox (id, item, status, due_at, created_at, updated_at, entry_id, audience_id, conversion_id, person_key) VALUES (?, ?, 'sent', ?, ?, ?, ?, ?, 'cv_x', 'pk')`,
            `row_${i}`,
            item,
            created,
            created,
            created,
            `e_${i}`,
            audience,
          );
        }
      });
    });
    console.log(
      `seeded ${ROWS * 2} rows (${ROWS} of the ladder's ${STAGES} audiences) in ${((performance.now() - seedStart) / 1000).toFixed(2)} s`,
    );
    const audiences = Array.from({ length: STAGES }, (_, i) => `aud_stage_${i}`);
    const times: number[] = [];
    let groups = 0;
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      const rows = await stub.weeklyAudienceCounts(now - 12 * WEEK, audiences);
      times.push(performance.now() - start);
      groups = rows.length;
      const counted = rows.reduce((a, r) => a + r.n, 0);
      if (counted < ROWS * 0.99) throw new Error(`counted ${counted} of ${ROWS}`);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${ROWS} rows: weekly counts, ${STAGES} audiences × 12 weeks: ${groups} groups, median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)})`,
    );
  });
