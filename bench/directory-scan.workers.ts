// The directory scan alone: page through 100,000 DirectoryObject rows over every shard, as populate does.
// Prints seconds and rows per second for populate's page size and for a large page.
import { env as cfEnv } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { it } from 'vitest';
import type { Env } from '../collector/env';
import { shardOf } from '../collector/directory';
import type { DirectoryObject } from '../collector/objects/directory';
import { listPeopleKeys, PEOPLE_SHARDS } from '../collector/audiences/people-source';
import { POPULATE_PAGE } from '../collector/audiences/populate';
import { directoryShard } from '../collector/objects/doors';

const env = cfEnv as unknown as Env;
const ROWS = 100_000;

it(`directory scan over ${ROWS.toLocaleString('en')} index rows`, async () => {
  const seedStart = performance.now();
  const byShard = new Map<number, string[]>();
  for (let i = 0; i < ROWS; i++) {
    const key = ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0') + i.toString(16).padStart(56, '0');
    byShard.set(shardOf(key), [...(byShard.get(shardOf(key)) ?? []), key]);
  }
  const attributes = JSON.stringify({ crm: { lifecycle: 'mql', mql_at: '2026-11-01T10:00:00Z', amount: 12000 } });
  for (const [shard, keys] of byShard) {
    const stub = directoryShard(env, shard);
    await stub.count(); // creates the tables
    await runInDurableObject(stub, (directory: DirectoryObject) => {
      const ctx = (directory as unknown as { ctx: DurableObjectState }).ctx;
      ctx.storage.transactionSync(() => {
        for (const key of keys) {
          ctx.storage.sql.exec(
            'INSERT OR IGNORE INTO people (key, email, created_at, updated_at, rev, attributes) VALUES (?, ?, 0, 0, 1, ?)',
            key,
            `${key.slice(0, 12)}@example.com`,
            attributes,
          );
        }
      });
    });
  }
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
    console.log(
      `scan, page ${page}: ${rows} rows in ${calls} calls, ${s.toFixed(2)} s, ${Math.round(rows / s)} rows/s, ${((s * 1000) / calls).toFixed(2)} ms/call`,
    );
    if (rows !== ROWS) throw new Error(`scanned ${rows} rows, expected ${ROWS}`);
  }
});
