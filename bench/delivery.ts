// Delivery benchmark: 10,000 audience entries delivered to each platform's fake through the same
// outbox code the DestinationObject runs (in-memory store here), once clean and once with faults
// injected at every fake. Prints seconds, requests per platform, delivered / failed, and checks that
// every entry reached the platform exactly once (by its dedup id).
// Run: node bench/run.mjs delivery   (ENTRIES=N to change the count)
import { enqueue, MemoryOutboxStore, type DestinationRuntime } from '../collector/delivery/outbox';
import { destinations } from '../collector/destinations/registry';
import { settingsSchemas, type DestinationType } from '../shared/schemas/destinations';
import { startGoogleAdsFake } from '../test/fakes/google-ads';
import { startDataManagerFake } from '../test/fakes/google-data-manager';
import { startLinkedInFake } from '../test/fakes/linkedin';
import { startMetaFake } from '../test/fakes/meta';
import { startMicrosoftFake } from '../test/fakes/microsoft';
import { startOpenAIAdsFake } from '../test/fakes/openai-ads';
import { startRedditFake } from '../test/fakes/reddit';
import { startTikTokFake } from '../test/fakes/tiktok';
import type { FakeServer } from '../test/fakes/server';
import { Clock, drain, row, statuses, T0 } from '../test/fakes/support';

const ENTRIES = Number(process.env.ENTRIES ?? 10_000);
const oauth = { clientId: 'bench-client', clientSecret: 'bench-secret-123', refreshToken: 'bench-refresh-123' };

interface Target {
  type: DestinationType;
  fake: FakeServer;
  settings: Record<string, unknown>;
  /** The dedup ids the platform stored. */
  stored(): string[];
}

async function targets(clock: Clock): Promise<Target[]> {
  const now = clock.now;
  const meta = await startMetaFake({ pixelId: '1234567', accessToken: 'EAAbench-token-0001', now });
  const ads = await startGoogleAdsFake({ customerId: '1234567890', conversionActionIds: ['555'], ...oauth, now });
  const dm = await startDataManagerFake({ customerId: '1234567890', conversionActionIds: ['777'], ...oauth, now });
  const li = await startLinkedInFake({ conversionIds: ['4242'], ...oauth, now, rotateRefreshTokens: true });
  const ms = await startMicrosoftFake({
    customerId: '1111',
    accountId: '2222',
    developerToken: 'bench-dev-token-1',
    goalNames: ['MQL'],
    ...oauth,
    now,
  });
  const rd = await startRedditFake({ pixelId: 'a2_bench01', accessToken: 'reddit-bench-token-01', now });
  const tt = await startTikTokFake({ pixelCode: 'CBENCH1234567890', accessToken: 'tiktok-bench-token-01', now });
  const oa = await startOpenAIAdsFake({ pixelId: 'px_bench01', apiKey: 'sk-svcacct-bench-key-01', now });
  return [
    {
      type: 'meta',
      fake: meta,
      settings: { pixelId: '1234567', accessToken: 'EAAbench-token-0001' },
      stored: () => meta.events.map((e) => e.event.event_id as string),
    },
    {
      type: 'google_data_manager',
      fake: dm,
      settings: { customerId: '1234567890', conversionActionId: '777', ...oauth },
      stored: () => dm.events.map((e) => e.transactionId as string),
    },
    {
      type: 'google_ads',
      fake: ads,
      settings: { customerId: '1234567890', conversionActionId: '555', ...oauth },
      stored: () => ads.conversions.map((c) => c.orderId as string),
    },
    {
      type: 'linkedin',
      fake: li,
      settings: { conversionId: '4242', ...oauth, apiVersion: '202611' },
      stored: () => li.events.map((e) => e.eventId as string),
    },
    {
      type: 'microsoft_ads',
      fake: ms,
      settings: {
        customerId: '1111',
        accountId: '2222',
        conversionGoalName: 'MQL',
        developerToken: 'bench-dev-token-1',
        ...oauth,
      },
      stored: () => ms.conversions.map((c) => c.MicrosoftClickId as string),
    },
    {
      type: 'reddit',
      fake: rd,
      settings: { pixelId: 'a2_bench01', accessToken: 'reddit-bench-token-01' },
      stored: () => rd.events.map((e: any) => e.metadata.conversion_id as string),
    },
    {
      type: 'tiktok',
      fake: tt,
      settings: { pixelCode: 'CBENCH1234567890', accessToken: 'tiktok-bench-token-01' },
      stored: () => tt.events.map((e) => e.event_id as string),
    },
    {
      type: 'openai_ads',
      fake: oa,
      settings: { pixelId: 'px_bench01', apiKey: 'sk-svcacct-bench-key-01' },
      stored: () => oa.events.map((e) => e.id as string),
    },
  ];
}

function injectFaults(t: Target): void {
  // A rate limit with Retry-After, a server error, an expired token and an ambiguous timeout (the
  // platform applied the request, the answer never came) at every fake.
  t.fake.fault({ status: 429, retryAfter: '30' });
  t.fake.fault({ status: 500 });
  // Meta's, Reddit's, TikTok's and ChatGPT Ads' keys cannot be refreshed: a 401 there is a revoked token, not a fault to ride out.
  if (!['meta', 'reddit', 'tiktok', 'openai_ads'].includes(t.type)) t.fake.fault({ status: 401 });
  t.fake.fault({ hang: 'after' });
}

async function run(label: string, { withFaults }: { withFaults: boolean }): Promise<void> {
  const clock = new Clock(T0);
  const all = await targets(clock);
  // Each person also clicked a Reddit and a TikTok ad (other platforms ignore those touches).
  const rows = Array.from({ length: ENTRIES }, (_, i) => {
    const r = row();
    r.touches.push(
      {
        kind: 'rdt_cid',
        value: `3184742045${String(i).padStart(9, '0')}`,
        firstSeen: T0 - 86_400_000,
        anonymousId: 'anon-1',
      },
      { kind: 'ttclid', value: `E.C.P.bench_${i}`, firstSeen: T0 - 86_400_000, anonymousId: 'anon-1' },
    );
    return r;
  });
  console.log(
    `\n${label}: ${ENTRIES.toLocaleString('en-US')} entries per destination${withFaults ? ', faults injected at every fake (429 + Retry-After, 500, 401 where OAuth refreshes, ambiguous timeout)' : ''}`,
  );
  console.log(
    'destination            prepare s  deliver s  requests  delivered  unmatched  failed  skipped  at platform  unique ids',
  );
  for (const t of all) {
    if (withFaults) injectFaults(t);
    const settings = settingsSchemas[t.type].parse(t.settings);
    const rt: DestinationRuntime<unknown> = {
      def: destinations[t.type],
      settings,
      mode: 'live',
      endpoint: t.fake.url,
      tokenEndpoint: t.fake.url,
      timeoutMs: 5000,
      random: Math.random,
    };
    if (withFaults) rt.timeoutMs = 5000;
    const store = new MemoryOutboxStore();
    let t0 = performance.now();
    await enqueue(store, rt, rows, clock.ms);
    const prepareS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await drain(store, rt, clock, 100);
    const deliverS = (performance.now() - t0) / 1000;
    const s = statuses(store);
    const apiRequests = t.fake.requests.filter(
      (q) => !q.path.includes('token') && !q.path.includes('accessToken') && !q.path.includes('requestStatus'),
    ).length;
    const stored = t.stored();
    const delivered = (s.sent ?? 0) + (s.pending_confirmation ?? 0);
    console.log(
      [
        t.type.padEnd(22),
        prepareS.toFixed(2).padStart(9),
        deliverS.toFixed(2).padStart(10),
        String(apiRequests).padStart(9),
        String(delivered).padStart(10),
        String(s.unmatched ?? 0).padStart(10),
        String((s.failed ?? 0) + (s.dead_letter ?? 0)).padStart(7),
        String(s.skipped ?? 0).padStart(8),
        String(stored.length).padStart(12),
        String(new Set(stored).size).padStart(11),
      ].join(' '),
    );
    if (new Set(stored).size !== delivered)
      console.log(`  !! ${t.type}: ${delivered} delivered but ${new Set(stored).size} distinct ids at the platform`, s);
    await t.fake.stop();
  }
}

await run('clean run', { withFaults: false });
await run('faults run', { withFaults: true });
console.log(
  '\n"at platform" counts every stored copy; a copy beyond "unique ids" is the resend after an ambiguous timeout, which the platform deduplicates by the same id (Meta event_id, Google orderId / transactionId, LinkedIn eventId, Microsoft click + time, Reddit conversion_id, TikTok event_id, ChatGPT Ads id + type).',
);
