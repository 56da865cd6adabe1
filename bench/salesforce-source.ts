// The Salesforce connector's first sync and an incremental run against the local fake: records per
// second read, API calls used, time to the first page, through SOQL alone and with Bulk API 2.0.
// Reading only (the framework's applying to people is measured by its own bench).
//   node bench/run.mjs salesforce-source [records=100000]   (DEBUG=1 also prints the fake's requests per path)
import { createSalesforceConnector } from '../collector/sources/salesforce/connector';
import type { SourceCursor } from '../collector/sources/connector';
import { startSalesforceFake } from '../test/fakes/salesforce';

const N = Number(process.argv[3] ?? 100_000);
const T0 = Date.UTC(2026, 10, 20, 12);
const fake = await startSalesforceFake({
  clientId: 'c',
  clientSecret: 'bench-secret-1',
  refreshToken: 'bench-refresh-1',
  now: () => T0,
});
for (let i = 0; i < N; i++)
  fake.insert(
    'Lead',
    {
      Email: `lead${i}@example.com`,
      LastName: `L${i}`,
      Status: 'Open',
      IsConverted: i % 3 === 0,
      ConvertedDate: '2026-01-05',
    },
    T0 - 30 * 86_400_000 + Math.floor(i / 250) * 1000,
  );
const connector = createSalesforceConnector({ sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) });

async function sync(label: string, bulkThreshold: number, cursor: SourceCursor | null = null) {
  const settings = {
    instanceUrl: 'https://acme.my.salesforce.com',
    clientId: 'c',
    clientSecret: 'bench-secret-1',
    refreshToken: 'bench-refresh-1',
    endpoint: fake.url,
    tokenEndpoint: fake.url,
    objects: ['Lead'],
    bulkThreshold,
  };
  const seen = new Set<string>();
  let calls = 0;
  let first = 0;
  let token: { value: string; expiresAt: number } | undefined;
  const start = performance.now();
  for (let pages = 0; ; pages++) {
    const page = await connector.fetchPage({ settings, cursor, since: null, fetch, now: () => T0, accessToken: token });
    if (!first && page.records.length) first = performance.now() - start;
    for (const r of page.records) seen.add(r.id);
    calls += page.apiCalls;
    cursor = page.cursor;
    token = page.accessToken ?? token;
    if (page.done) {
      const s = (performance.now() - start) / 1000;
      console.log(
        `${label}: ${seen.size.toLocaleString()} records in ${s.toFixed(1)} s, ${Math.round(seen.size / s).toLocaleString()} records/s, ${calls} API calls, ${pages + 1} pages, first page after ${first.toFixed(0)} ms`,
      );
      return cursor;
    }
  }
}

console.log(`${N.toLocaleString()} leads, 250 sharing each SystemModstamp (pageSize 1000)`);
await sync('first sync, SOQL only', Number.MAX_SAFE_INTEGER);
const cursor = await sync('first sync, Bulk API 2.0 past 10,000', 10_000);
for (let i = 0; i < 1000; i++) fake.insert('Lead', { Email: `new${i}@example.com` }, T0);
await sync('incremental run, 1,000 changed', 10_000, cursor);
const byPath: Record<string, number> = {};
for (const r of fake.requests) {
  const k = r.path.replace(/\/query\/.*/, '/query/<locator>').replace(/750\w+/, '<job>');
  byPath[k] = (byPath[k] ?? 0) + 1;
}
if (process.env.DEBUG) console.log(byPath);
await fake.stop();
