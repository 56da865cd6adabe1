// Delivery benchmark through the real DestinationObject: the production bundle on local workerd
// (Miniflare, SQLite-backed Durable Objects), 10,000 conversion rows per destination enqueued over
// RPC and flushed to the platform fakes running in this Node process. Prints seconds, requests per
// platform, and the final status counts read back from the object.
// Run: npm run check:deploy && node bench/run.mjs delivery-worker   (ENTRIES=N to change the count)
import { existsSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import type { ConversionRow } from '../collector/delivery/types';
import type { DestinationType } from '../shared/schemas/destinations';
import { startGoogleAdsFake } from '../test/fakes/google-ads';
import { startDataManagerFake } from '../test/fakes/google-data-manager';
import { startLinkedInFake } from '../test/fakes/linkedin';
import { startMetaFake } from '../test/fakes/meta';
import { startMicrosoftFake } from '../test/fakes/microsoft';
import { startOpenAIAdsFake } from '../test/fakes/openai-ads';
import { startRedditFake } from '../test/fakes/reddit';
import { startTikTokFake } from '../test/fakes/tiktok';
import type { FakeServer } from '../test/fakes/server';
import { devVars } from '../test/support/dev-vars';

const ENTRIES = Number(process.env.ENTRIES ?? 10_000);
const SCRIPT = 'dist/worker/index.js';
if (!existsSync(SCRIPT)) {
  console.error(`${SCRIPT} is missing: run \`npm run check:deploy\` first (it builds the production bundle)`);
  process.exit(2);
}

const oauth = { clientId: 'bench-client', clientSecret: 'bench-secret-123', refreshToken: 'bench-refresh-123' };
const version = (() => {
  const d = new Date();
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
})();

function rows(n: number): ConversionRow[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: `${i.toString(16).padStart(8, '0')}${'c'.repeat(24)}`,
    eventTime: Math.floor(now / 1000) - 3600,
    email: `bench.${i}@example.com`,
    touches: [
      { kind: 'gclid', value: `Cj0KCQiA_bench_${i}`, firstSeen: now - 2 * 86_400_000, anonymousId: 'a1' },
      { kind: 'fbclid', value: `IwAR_bench_${i}`, firstSeen: now - 86_400_000, anonymousId: 'a1' },
      { kind: 'li_fat_id', value: '85929337-d448-42da-a095-0b3c5500fa50', firstSeen: now - 86_400_000 },
      { kind: 'msclkid', value: `${i.toString(16).padStart(8, '0')}${'d'.repeat(24)}`, firstSeen: now - 86_400_000 },
      {
        kind: 'rdt_cid',
        value: `3184742045${String(i).padStart(9, '0')}`,
        firstSeen: now - 86_400_000,
        anonymousId: 'a1',
      },
      { kind: 'ttclid', value: `E.C.P.bench_${i}`, firstSeen: now - 86_400_000, anonymousId: 'a1' },
    ],
    devices: [{ anonymousId: 'a1', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 Bench', lastSeen: now - 86_400_000 }],
    attributes: {},
    conversion: {},
  }));
}

const fakes: [DestinationType, FakeServer, Record<string, unknown>][] = [
  [
    'meta',
    await startMetaFake({ pixelId: '1234567', accessToken: 'EAAbench-token-0001' }),
    { pixelId: '1234567', accessToken: 'EAAbench-token-0001' },
  ],
  [
    'google_data_manager',
    await startDataManagerFake({ customerId: '1234567890', conversionActionIds: ['777'], ...oauth }),
    { customerId: '1234567890', conversionActionId: '777', ...oauth },
  ],
  [
    'google_ads',
    await startGoogleAdsFake({ customerId: '1234567890', conversionActionIds: ['555'], ...oauth }),
    { customerId: '1234567890', conversionActionId: '555', ...oauth },
  ],
  [
    'linkedin',
    await startLinkedInFake({ conversionIds: ['4242'], ...oauth, rotateRefreshTokens: true }),
    { conversionId: '4242', ...oauth, apiVersion: version },
  ],
  [
    'microsoft_ads',
    await startMicrosoftFake({
      customerId: '1111',
      accountId: '2222',
      developerToken: 'bench-dev-token-1',
      goalNames: ['MQL'],
      ...oauth,
    }),
    { customerId: '1111', accountId: '2222', conversionGoalName: 'MQL', developerToken: 'bench-dev-token-1', ...oauth },
  ],
  [
    'reddit',
    await startRedditFake({ pixelId: 'a2_bench01', accessToken: 'reddit-bench-token-01' }),
    { pixelId: 'a2_bench01', accessToken: 'reddit-bench-token-01' },
  ],
  [
    'tiktok',
    await startTikTokFake({ pixelCode: 'CBENCH1234567890', accessToken: 'tiktok-bench-token-01' }),
    { pixelCode: 'CBENCH1234567890', accessToken: 'tiktok-bench-token-01' },
  ],
  [
    'openai_ads',
    await startOpenAIAdsFake({ pixelId: 'px_bench01', apiKey: 'sk-svcacct-bench-key-01' }),
    { pixelId: 'px_bench01', apiKey: 'sk-svcacct-bench-key-01' },
  ],
];

const sqlite = { useSQLite: true };
const mf = new Miniflare({
  modules: true,
  scriptPath: SCRIPT,
  compatibilityDate: '2026-04-01',
  compatibilityFlags: ['nodejs_compat'],
  durableObjects: {
    DESTINATION: { className: 'DestinationObject', ...sqlite },
    PERSON: { className: 'PersonObject', ...sqlite },
    VISITOR: { className: 'VisitorObject', ...sqlite },
    CONFIG: { className: 'ConfigObject', ...sqlite },
    DIRECTORY: { className: 'DirectoryObject', ...sqlite },
  },
  queueProducers: { JOBS: 'open-conversions-jobs' },
  bindings: devVars(),
});

type Counts = Record<string, number>;
// Copy an RPC answer out and release it (its proxies hold references on the workerd side).
const plain = <T>(v: unknown): T => {
  const out = JSON.parse(JSON.stringify(v)) as T;
  (v as { [Symbol.dispose]?: () => void } | null)?.[Symbol.dispose]?.();
  return out;
};

try {
  const ns = await mf.getDurableObjectNamespace('DESTINATION');
  const all = rows(ENTRIES);
  console.log(
    `DestinationObject on workerd: ${ENTRIES.toLocaleString('en-US')} rows per destination, enqueued over RPC in chunks of 1,000`,
  );
  console.log('destination            enqueue s  drain s  total s  requests  final status counts');
  // The alarm set by the first enqueue starts sending while later chunks arrive, so most sending
  // happens inside the enqueue phase; the total is the figure to read.
  for (const [type, fake, settings] of fakes) {
    const stub = ns.get(ns.idFromName(`bench-${type}`)) as unknown as Record<
      string,
      (...a: unknown[]) => Promise<unknown>
    >;
    plain(
      await stub.configure!({
        id: `dst_bench_${type}`,
        type,
        mode: 'live',
        endpoint: fake.url,
        tokenEndpoint: fake.url,
        settings,
      }),
    );
    let t0 = performance.now();
    for (let i = 0; i < all.length; i += 1000) plain(await stub.enqueue!(all.slice(i, i + 1000)));
    const enqueueS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    let counts: Counts = {};
    for (let i = 0; i < 200; i++) {
      plain(await stub.flushNow!());
      counts = plain<{ counts: Counts }>(await stub.describe!()).counts;
      if (!counts.queued && !counts.leased) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const deliverS = (performance.now() - t0) / 1000;
    const requests = fake.requests.filter((q) => !/token|accessToken|requestStatus/.test(q.path)).length;
    console.log(
      `${type.padEnd(22)} ${enqueueS.toFixed(2).padStart(9)} ${deliverS.toFixed(2).padStart(8)} ${(enqueueS + deliverS).toFixed(2).padStart(8)} ${String(requests).padStart(9)}  ${JSON.stringify(counts)}`,
    );
  }
  console.log(
    '(Google Data Manager rows stay pending_confirmation until the request status is read, 15 minutes later.)',
  );
} finally {
  await mf.dispose();
  for (const [, fake] of fakes) await fake.stop();
}
