// The directory scan alone: page through 100,000 index rows over every shard, as populate does.
// Prints seconds and rows per second for populate's page size and for a large page.
import { env as cfEnv } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { it } from 'vitest';
import type { Env } from '../collector/env';
import { configObject, type ConfigObject } from '../collector/objects/config';
import { listPeopleKeys, PEOPLE_SHARDS, shardOf } from '../collector/audiences/people-source';
import { POPULATE_PAGE } from '../collector/audiences/populate';

const env = cfEnv as unknown as Env;
const ROWS = 100_000;

it(`directory scan over ${ROWS.toLocaleString('en')} index rows`, async () => {
  const stub = configObject(env);
  await stub.countKnownPeople(); // creates the tables
  const seedStart = performance.now();
  await runInDurableObject(stub, (config: ConfigObject) => {
    const ctx = (config as unknown as { ctx: DurableObjectState }).ctx;
    ctx.storage.transactionSync(() => {
      for (let i = 0; i < ROWS; i++) {
        const key = (i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0') + i.toString(16).padStart(56, '0');
        ctx.storage.sql.exec('INSERT OR IGNORE INTO audience_known_people (shard, person_key, created_at) VALUES (?, ?, ?)', shardOf(key), key, 0);
      }
    });
  });
  console.log(`seeded ${ROWS} rows in ${((performance.now() - seedStart) / 1000).toFixed(2)} s`);

  for (const page of [POPULATE_PAGE, 1000]) {
    const start = performance.now();
    let rows = 0;
    let calls = 0;
    for (let shard = 0; shard < PEOPLE_SHARDS; shard++) {
      let cursor: string | null = '';
      while (cursor !== null) {
        const p = await listPeopleKeys(env, shard, cursor, page);
        rows += p.keys.length;
        calls++;
        cursor = p.next;
      }
    }
    const s = (performance.now() - start) / 1000;
    console.log(`scan, page ${page}: ${rows} rows in ${calls} calls, ${s.toFixed(2)} s, ${Math.round(rows / s)} rows/s, ${((s * 1000) / calls).toFixed(2)} ms/call`);
    if (rows !== ROWS) throw new Error(`scanned ${rows} rows, expected ${ROWS}`);
  }
});
