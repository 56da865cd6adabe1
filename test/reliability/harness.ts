// The fault suite's harness: a whole system on loopback (the collector on local workerd through
// Miniflare (test/support/collector.ts), the Meta, LinkedIn and Microsoft contract fakes in Node), a client that behaves like the tag's outbox and a
// CRM sync (retry until answered, same message ids), and the final accounting of one scenario.
import { createServer, type Server } from 'node:http';
import { startCollector, type RunningCollector } from '../support/collector';
import { DEV_VARS } from '../support/collector';
import { startMetaFake } from '../fakes/meta';
import { startLinkedInFake, LINKEDIN_TOKEN_PATH } from '../fakes/linkedin';
import { startMicrosoftFake, MICROSOFT_TOKEN_PATH } from '../fakes/microsoft';
import { entryId } from '../../shared/criteria';
import { hashFor } from '../../shared/normalize';
import { createHmac } from 'node:crypto';

export const SK = DEV_VARS.SECRET_KEY!;
export const PK = DEV_VARS.PUBLISHABLE_KEY!;
export const ORIGIN = 'http://localhost:3000';
export const META = { pixelId: '7654321', accessToken: 'EAAreliability-meta-token-01' };
export const DAY = 86_400_000;

/** People per scenario: a small CI sample; RELIABILITY_PEOPLE=1000 (up to ~3,000) for the big run. */
export const PEOPLE = Math.min(
  3000,
  Number(process.env.RELIABILITY_PEOPLE) > 0 ? Number(process.env.RELIABILITY_PEOPLE) : 24,
);
export const BIG = PEOPLE >= 200;

export type MetaFake = Awaited<ReturnType<typeof startMetaFake>>;

// The OAuth platforms' accounts for the expired-token scenario (refresh-token grants, as configured in production).
export const LINKEDIN = {
  conversionIds: ['4242'],
  clientId: 'rel-li-client',
  clientSecret: 'rel-li-secret-0001',
  refreshToken: 'rel-li-refresh-0001',
  rotateRefreshTokens: true,
};
export const MICROSOFT = {
  customerId: '1111',
  accountId: '2222',
  developerToken: 'rel-ms-dev-token-01',
  goalNames: ['MQL'],
  clientId: 'rel-ms-client',
  clientSecret: 'rel-ms-secret-0001',
  refreshToken: 'rel-ms-refresh-0001',
};
export { LINKEDIN_TOKEN_PATH, MICROSOFT_TOKEN_PATH };

export interface Row {
  scenario: string;
  'events in': number;
  stored: number;
  delivered: number;
  'failed (reason)': number;
  duplicates: number;
  lost: number;
}

export const table: Row[] = [];

export async function system(vars: Record<string, string> = {}) {
  const meta = await startMetaFake(META);
  const collector = await startCollector({ vars });
  return { meta, collector };
}

/** fetch that never throws: a refused connection (collector restarting) is status 0. */
export async function http(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

export const api = (c: { url: string }, path: string, method = 'GET', body?: unknown) =>
  http(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SK}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Retries like the tag's outbox: until a 2xx or a 4xx other than 429, same body (same message ids). */
export async function untilAnswered(
  send: () => Promise<{ status: number; body: any }>,
  deadlineMs = 180_000,
): Promise<{ status: number; body: any; attempts: number }> {
  const end = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    const r = await send();
    if ((r.status >= 200 && r.status < 300) || (r.status >= 400 && r.status < 500 && r.status !== 429))
      return { ...r, attempts };
    if (Date.now() > end) throw new Error(`no answer after ${attempts} attempts (last ${r.status})`);
    await new Promise((res) => setTimeout(res, Math.min(2000, 100 * attempts)));
  }
}

export function emailOf(scenario: string, i: number) {
  return `rel-${scenario}-${i}@example.com`;
}

/** Destination, audience over CRM attributes, conversion on: what every scenario delivers through. */
export async function configure(c: RunningCollector, meta: MetaFake) {
  const [destinationId, audienceId] = await configureMany(c, [
    { type: 'meta', name: 'Meta (fake)', mode: 'live', endpoint: meta.url, settings: META },
  ]);
  return { destinationId: destinationId!, audienceId: audienceId! };
}

/** One audience with a conversion on each of these destinations; answers their ids, then the audience's. */
export async function configureMany(c: RunningCollector, destinations: Record<string, unknown>[]): Promise<string[]> {
  const a = await api(c, '/api/audiences', 'POST', {
    name: 'Became MQL',
    criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
    timestamp: { field: 'crm.mql_at', withinDays: 7 },
  });
  if (a.status !== 201) throw new Error(`audience: ${a.status} ${JSON.stringify(a.body)}`);
  const ids: string[] = [];
  for (const dest of destinations) {
    const d = await api(c, '/api/destinations', 'POST', dest);
    if (d.status !== 201) throw new Error(`destination: ${d.status} ${JSON.stringify(d.body)}`);
    const conv = await api(c, `/api/audiences/${a.body.id}/conversions`, 'POST', {
      destinationId: d.body.id,
      eventName: 'Lead',
    });
    if (conv.status !== 201) throw new Error(`conversion: ${conv.status} ${JSON.stringify(conv.body)}`);
    ids.push(d.body.id);
  }
  return [...ids, a.body.id];
}

export const startLinkedIn = () => startLinkedInFake(LINKEDIN);
export const startMicrosoft = () => startMicrosoftFake(MICROSOFT);

export function identifyBody(email: string, i: number) {
  return {
    key: PK,
    events: [
      {
        type: 'identify',
        messageId: `m_${email.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64),
        anonymousId: `anon_rel_${i.toString(36).padStart(6, '0')}`,
        email,
        traits: {},
        touches: [{ kind: 'fbclid', value: `IwAR_rel_${i}`, firstSeen: Date.now() - DAY }],
      },
    ],
  };
}

export const MQL_AT = new Date(Date.now() - DAY).toISOString();

export async function identify(c: { url: string }, email: string, i: number) {
  return untilAnswered(() =>
    http(`${c.url}/v1/collect`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        origin: ORIGIN,
        'cf-connecting-ip': `10.9.${(i >> 8) & 255}.${i & 255}`,
      },
      body: JSON.stringify(identifyBody(email, i)),
    }),
  );
}

export async function upsert(c: { url: string }, emails: string[]) {
  return untilAnswered(() =>
    api(c, '/v1/people', 'POST', {
      people: emails.map((email) => ({ email, source: 'crm', attributes: { lifecycle: 'mql', mql_at: MQL_AT } })),
    }),
  );
}

/** Runs `fn` over items with `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** The conversion id every platform receives for a person's entry (ARCHITECTURE §4). */
export async function expectedEntryId(audienceId: string, email: string): Promise<string> {
  // collector/identity.ts personKey: HMAC-SHA256 of `person:<identity>` under IDENTITY_SECRET.
  const key = createHmac('sha256', DEV_VARS.IDENTITY_SECRET!)
    .update(`person:${email.trim().toLowerCase()}`)
    .digest('hex');
  return entryId(audienceId, key, Math.floor(Date.parse(MQL_AT) / 1000));
}

/** Every row of the destination's delivery log, keyed by entry id (the id the platform receives). */
export async function deliveryLog(c: { url: string }, destinationId: string) {
  const rows: { id: string; status: string; error: unknown; attempts: number }[] = [];
  let cursor = '';
  for (;;) {
    const r = await api(c, `/api/destinations/${destinationId}/conversions?limit=200${cursor}`);
    if (r.status !== 200) throw new Error(`delivery log: ${r.status} ${JSON.stringify(r.body)}`);
    for (const row of r.body.conversions) rows.push({ ...row, id: row.entryId ?? row.key ?? row.id });
    if (!r.body.next) return rows;
    cursor = `&cursor=${encodeURIComponent(r.body.next)}`;
  }
}

const TERMINAL = new Set(['sent', 'failed', 'dead_letter', 'unmatched', 'skipped']);

/** Waits until every expected row is in the log and has an outcome (polling, never a fixed sleep). */
export async function waitForOutcomes(c: { url: string }, destinationId: string, expected: number, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deliveryLog(c, destinationId);
    if (rows.length >= expected && rows.every((r) => TERMINAL.has(r.status))) return rows;
    if (Date.now() > end) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Copies of each conversion id the Meta fake received. */
export function metaCopies(meta: MetaFake): Map<string, number> {
  const platform = new Map<string, number>();
  for (const e of meta.events as { event: { event_id: string } }[])
    platform.set(e.event.event_id, (platform.get(e.event.event_id) ?? 0) + 1);
  return platform;
}

/** Copies of each conversion id LinkedIn stored (eventId is the entry id; the fake keeps every copy). */
export function linkedinCopies(events: Record<string, unknown>[]): Map<string, number> {
  const platform = new Map<string, number>();
  for (const e of events) platform.set(String(e.eventId), (platform.get(String(e.eventId)) ?? 0) + 1);
  return platform;
}

/**
 * Copies of each person's conversion in the requests Microsoft accepted (200 without a partial
 * error for it). Microsoft has no event id and drops a repeat silently, so the requests are counted.
 */
export async function microsoftCopies(
  fake: { requests: { path: string; status: number; body: unknown; reply: unknown }[] },
  audienceId: string,
  emails: string[],
): Promise<Map<string, number>> {
  const byHash = new Map<string, string>();
  for (const e of emails) byHash.set((await hashFor('microsoft', 'email', e))!, await expectedEntryId(audienceId, e));
  const platform = new Map<string, number>();
  for (const r of fake.requests) {
    if (r.status !== 200 || !r.path.endsWith('/OfflineConversions/Apply')) continue;
    const refused = new Set(
      ((r.reply as { PartialErrors?: { Index: number }[] | null })?.PartialErrors ?? []).map((p) => p.Index),
    );
    ((r.body as { OfflineConversions: { HashedEmailAddress?: string }[] }).OfflineConversions ?? []).forEach((c, i) => {
      const id = c.HashedEmailAddress && byHash.get(c.HashedEmailAddress);
      if (id && !refused.has(i)) platform.set(id, (platform.get(id) ?? 0) + 1);
    });
  }
  return platform;
}

/** Counts one scenario: stored people, what the platform holds per id, what the log says. */
export async function account(
  scenario: string,
  c: { url: string },
  copiesOf: MetaFake | Map<string, number>,
  ids: { destinationId: string; audienceId: string },
  emails: string[],
  accepted: Set<string>,
) {
  let stored = 0;
  let storedTwice = 0;
  await pool(emails, 8, async (email) => {
    const p = await api(c, `/api/people/${encodeURIComponent(email)}`);
    if (p.status !== 200) return;
    stored++;
    const touches = (p.body.touches ?? []).filter((t: { value: string }) => t.value.startsWith('IwAR_rel_'));
    if (touches.length > 1) storedTwice++;
  });
  const rows = await deliveryLog(c, ids.destinationId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const platform = copiesOf instanceof Map ? copiesOf : metaCopies(copiesOf);
  let delivered = 0;
  let failed = 0;
  let duplicates = storedTwice;
  let lost = 0;
  for (const email of emails) {
    if (!accepted.has(email)) continue;
    const id = await expectedEntryId(ids.audienceId, email);
    const copies = platform.get(id) ?? 0;
    const row = byId.get(id);
    if (copies > 1) duplicates++;
    if (row?.status === 'sent' && copies >= 1) delivered++;
    else if (row && (row.status === 'failed' || row.status === 'dead_letter') && row.error) failed++;
    else lost++;
  }
  // An accepted identify that is not stored is lost too.
  lost += [...accepted].filter((e) => emails.includes(e)).length - stored;
  const out: Row = {
    scenario,
    'events in': accepted.size * 2,
    stored,
    delivered,
    'failed (reason)': failed,
    duplicates,
    lost,
  };
  table.push(out);
  return { ...out, rows, platform };
}

/** A webhook receiver on loopback for the alerts. */
export async function alertReceiver(): Promise<{
  url: string;
  received: { headers: Record<string, string | string[] | undefined>; body: string }[];
  stop(): Promise<void>;
}> {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/alerts`, received, stop: () => new Promise((r) => server.close(() => r())) };
}
