// CRM sync benchmark, the connector's side: CONTACTS contacts (default 100,000) in the HubSpot fake,
// a quarter of them sharing one modification time (an import), read to the end by the HubSpot
// connector page by page as the SourceObject drives it. Prints contacts/s, API calls, pages, time to
// the first page, and checks each contact was handed over exactly once.
// Applying people is not in this figure: it is the same PersonObject path as POST /v1/people and
// audience populate (docs/benchmarks.md), and local workerd cannot hold 100,000 open objects.
// Run: node bench/run.mjs crm-sync   (CONTACTS=N to change the count)
import { hubspotConnector } from '../collector/sources/hubspot/connector';
import type { SourceCursor } from '../collector/sources/connector';
import { startHubSpotFake } from '../test/fakes/hubspot';

const N = Number(process.env.CONTACTS ?? 100_000);
const TOKEN = 'pat-na1-bench-0000-0001';
const fake = await startHubSpotFake({ privateTokens: [TOKEN], searchPerSecond: 0 });
try {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < N; i++)
    fake.upsertContact(
      `c${i}@example.com`,
      { lifecyclestage: 'lead', hs_lifecyclestage_lead_date: String(t0) },
      i < N / 4 ? t0 : t0 + i,
    );
  const seen = new Set<string>();
  let dup = 0;
  let cursor: SourceCursor | null = null;
  let calls = 0;
  let pages = 0;
  let first = 0;
  const start = performance.now();
  for (;;) {
    const page = await hubspotConnector.fetchPage({
      settings: { accessToken: TOKEN, endpoint: fake.url },
      cursor,
      since: null,
      fetch,
      now: Date.now,
    });
    pages++;
    calls += page.apiCalls;
    if (!first && page.records.length) first = performance.now() - start;
    for (const r of page.records) seen.has(r.id) ? dup++ : seen.add(r.id);
    cursor = page.cursor;
    if (page.done) break;
  }
  const s = (performance.now() - start) / 1000;
  console.log(`contacts: ${N} (${N / 4} sharing one lastmodifieddate)`);
  console.log(`handed over: ${seen.size} distinct, ${dup} twice  ${seen.size === N && dup === 0 ? 'OK' : 'MISMATCH'}`);
  console.log(`time: ${s.toFixed(1)} s  (${Math.round(N / s)} contacts/s against the local fake)`);
  console.log(`first page: ${first.toFixed(0)} ms`);
  console.log(
    `API calls: ${calls} (${pages} pages; at HubSpot's 5 searches/s the reads alone take at least ${Math.ceil(calls / 5)} s)`,
  );
} finally {
  await fake.stop();
}
