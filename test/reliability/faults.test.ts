// The fault suite: the whole system on loopback (collector on local workerd, a fresh one per
// scenario; the Meta, LinkedIn and Microsoft contract fakes with fault injection and OAuth token
// endpoints), driven like the tag and a CRM sync drive
// it. Every scenario ends with each accepted identify stored once and each due conversion delivered
// exactly once or visibly failed with its reason; the table is printed at the end.
//   npx vitest run --project reliability                       # CI sample (24 people a scenario)
//   RELIABILITY_PEOPLE=1000 npx vitest run --project reliability  # the big run (<= 3,000)
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector';
import {
  account,
  alertReceiver,
  api,
  BIG,
  configure,
  configureMany,
  emailOf,
  expectedEntryId,
  identify,
  LINKEDIN,
  linkedinCopies,
  MICROSOFT,
  MICROSOFT_TOKEN_PATH,
  microsoftCopies,
  PEOPLE,
  pool,
  startLinkedIn,
  startMicrosoft,
  system,
  table,
  upsert,
  waitForOutcomes,
} from './harness';

const DELIVERY_TIMEOUT = BIG ? 600_000 : 240_000;

afterAll(() => {
  console.log(`\nFault suite, ${PEOPLE} people a scenario`);
  console.table(table);
});

/** Waits for `done` (the alerts are sent by an alarm: seconds on a loaded machine), at most `ms`. */
async function waitFor(done: () => boolean, ms = 60_000) {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((res) => setTimeout(res, 200));
}

/** Emails in chunks of 100 for /v1/people. */
function chunks<T>(xs: T[], n = 100): T[][] {
  return Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
}

function expectExactlyOnce(r: Awaited<ReturnType<typeof account>>, accepted: number, failedAllowed = 0) {
  expect(r.stored, 'every accepted identify stored').toBe(accepted);
  expect(r.duplicates, 'nothing stored or delivered twice').toBe(0);
  expect(r.lost, 'nothing lost').toBe(0);
  expect(r.delivered + r['failed (reason)']).toBe(accepted);
  expect(r['failed (reason)'], JSON.stringify(r.rows.filter((x) => x.status !== 'sent').slice(0, 3))).toBe(
    failedAllowed,
  );
}

describe('fault suite', { timeout: DELIVERY_TIMEOUT + 300_000 }, () => {
  it('collector restarted mid-stream (local state kept): nothing lost, nothing twice', async () => {
    const { meta, collector } = await system();
    let current = collector;
    try {
      const ids = await configure(current, meta);
      const emails = Array.from({ length: PEOPLE }, (_, i) => emailOf('restart', i));
      const accepted = new Set<string>();
      // The client keeps its target while the collector restarts on the same port and state.
      const target = { url: current.url };
      let restarted = false;
      await pool(emails, 6, async (email, i) => {
        if (i === Math.floor(PEOPLE / 2) && !restarted) {
          restarted = true;
          await current.stop();
          current = await startCollector({ persistDir: collector.persistDir, port: collector.port });
        }
        const r = await identify(target, email, i);
        if (r.status === 200) accepted.add(email);
      });
      expect(restarted).toBe(true);
      for (const part of chunks(emails)) expect((await upsert(target, part)).status).toBe(202);
      await waitForOutcomes(target, ids.destinationId, accepted.size, DELIVERY_TIMEOUT);
      const r = await account('collector restarted mid-stream', target, meta, ids, emails, accepted);
      expectExactlyOnce(r, PEOPLE);
      // Nothing the collector logged names a person.
      expect(current.logs() + collector.logs()).not.toMatch(/rel-restart-\d+@example\.com/);
    } finally {
      await current.stop();
      await collector.stop();
      await meta.stop();
    }
  });

  it('platform faults: 5xx (the big run adds a storm, 429 with Retry-After and a timeout), one poisoned event in a batch', async () => {
    const { meta, collector } = await system();
    try {
      const ids = await configure(collector, meta);
      const emails = Array.from({ length: PEOPLE }, (_, i) => emailOf('faults', i));
      // One event the platform rejects: Meta fails the whole batch, the split isolates it.
      const poisoned = emails[3]!;
      meta.poison(await expectedEntryId(ids.audienceId, poisoned));
      meta.fault({ status: 500, times: BIG ? 3 : 1 });
      if (BIG) {
        meta.fault({ status: 429, retryAfter: '5' });
        meta.fault({ hang: 'before' });
      }
      const accepted = new Set<string>();
      await pool(emails, 6, async (email, i) => {
        if ((await identify(collector, email, i)).status === 200) accepted.add(email);
      });
      for (const part of chunks(emails)) expect((await upsert(collector, part)).status).toBe(202);
      const rows = await waitForOutcomes(collector, ids.destinationId, accepted.size, DELIVERY_TIMEOUT);
      const r = await account(
        BIG ? 'platform 5xx storm / 429 Retry-After / timeout / poisoned event' : 'platform 5xx / poisoned event',
        collector,
        meta,
        ids,
        emails,
        accepted,
      );
      expectExactlyOnce(r, PEOPLE, 1);
      const bad = rows.find((x) => x.status === 'failed');
      expect(bad?.id).toBe(await expectedEntryId(ids.audienceId, poisoned));
      expect(JSON.stringify(bad?.error)).toMatch(/rejected|2804050/);
      // The faults were really met: the platform answered 500 (and more in the big run) before accepting.
      expect(rows.some((x) => x.attempts > 1)).toBe(true);
    } finally {
      await collector.stop();
      await meta.stop();
    }
  });

  it('credentials refused (token revoked): every conversion visibly failed with the reason, and a signed alert', async () => {
    const receiver = await alertReceiver();
    const { meta, collector } = await system();
    try {
      expect(
        (
          await api(collector, '/api/alerts', 'PUT', {
            url: receiver.url,
            secret: 'reliability-alert-secret',
            silentMinutes: 0,
          })
        ).status,
      ).toBe(200);
      const ids = await configure(collector, meta);
      expect(
        (
          await api(collector, `/api/destinations/${ids.destinationId}`, 'PATCH', {
            settings: { accessToken: 'EAArevoked-token-000000' },
          })
        ).status,
      ).toBe(200);
      const emails = Array.from({ length: Math.min(PEOPLE, 50) }, (_, i) => emailOf('revoked', i));
      const accepted = new Set<string>();
      await pool(emails, 6, async (email, i) => {
        if ((await identify(collector, email, i)).status === 200) accepted.add(email);
      });
      for (const part of chunks(emails)) expect((await upsert(collector, part)).status).toBe(202);
      await waitForOutcomes(collector, ids.destinationId, accepted.size, DELIVERY_TIMEOUT);
      const r = await account('credentials refused', collector, meta, ids, emails, accepted);
      expect(r.stored).toBe(emails.length);
      expect(r.lost).toBe(0);
      expect(r.duplicates).toBe(0);
      expect(r['failed (reason)']).toBe(emails.length);
      const isAlert = (a: { body: string }) => a.body.includes('credentials_refused');
      await waitFor(() => receiver.received.some(isAlert));
      const alert = receiver.received.find(isAlert);
      expect(alert, 'a credentials_refused alert reached the receiver').toBeDefined();
      const { createHmac } = await import('node:crypto');
      const ts = String(alert!.headers['x-alert-timestamp']);
      expect(alert!.headers['x-alert-signature']).toBe(
        `sha256=${createHmac('sha256', 'reliability-alert-secret').update(`${ts}.${alert!.body}`).digest('hex')}`,
      );
      expect(alert!.body).not.toMatch(/@example\.com|EAArevoked/);
    } finally {
      await collector.stop();
      await meta.stop();
      await receiver.stop();
    }
  });

  it('expired tokens: LinkedIn (401 EXPIRED_ACCESS_TOKEN) refreshed and delivered once; Microsoft (109 AuthenticationTokenExpired) with the refresh token revoked: failed with the reason, and an alert', async () => {
    const receiver = await alertReceiver();
    const linkedin = await startLinkedIn();
    const microsoft = await startMicrosoft();
    const collector = await startCollector();
    try {
      expect(
        (
          await api(collector, '/api/alerts', 'PUT', {
            url: receiver.url,
            secret: 'reliability-alert-secret',
            silentMinutes: 0,
          })
        ).status,
      ).toBe(200);
      const [liId, msId, audienceId] = await configureMany(collector, [
        {
          type: 'linkedin',
          name: 'LinkedIn (fake)',
          mode: 'live',
          endpoint: linkedin.url,
          tokenEndpoint: linkedin.url,
          settings: {
            conversionId: LINKEDIN.conversionIds[0],
            clientId: LINKEDIN.clientId,
            clientSecret: LINKEDIN.clientSecret,
            refreshToken: LINKEDIN.refreshToken,
          },
        },
        {
          type: 'microsoft_ads',
          name: 'Microsoft (fake)',
          mode: 'live',
          endpoint: microsoft.url,
          tokenEndpoint: microsoft.url,
          settings: {
            customerId: MICROSOFT.customerId,
            accountId: MICROSOFT.accountId,
            conversionGoalName: 'MQL',
            developerToken: MICROSOFT.developerToken,
            clientId: MICROSOFT.clientId,
            clientSecret: MICROSOFT.clientSecret,
            refreshToken: MICROSOFT.refreshToken,
          },
        },
      ]);
      const li = { destinationId: liId!, audienceId: audienceId! };
      const ms = { destinationId: msId!, audienceId: audienceId! };
      const n = Math.max(4, Math.min(PEOPLE, 400));
      const emails = Array.from({ length: n }, (_, i) => emailOf('expired', i));
      const half = Math.floor(n / 2);
      const first = emails.slice(0, half);
      const accepted = new Set<string>();
      const feed = async (part: string[], offset: number) => {
        await pool(part, 6, async (email, i) => {
          if ((await identify(collector, email, offset + i)).status === 200) accepted.add(email);
        });
        for (const c of chunks(part)) expect((await upsert(collector, c)).status).toBe(202);
      };

      // Phase 1: both platforms grant a token and take the first half.
      await feed(first, 0);
      await waitForOutcomes(collector, li.destinationId, first.length, DELIVERY_TIMEOUT);
      await waitForOutcomes(collector, ms.destinationId, first.length, DELIVERY_TIMEOUT);
      expect(linkedin.oauth.grants).toBe(1);
      expect(microsoft.oauth.grants).toBe(1);

      // Every access token expires; Microsoft's refresh token is revoked too (re-consent needed).
      // The next API call of each also answers the platform's own "expired" 401: an outbox whose
      // object was evicted meanwhile (the cached token gone with it) refreshes first, and must meet
      // the 401 all the same.
      linkedin.oauth.expireAll();
      microsoft.oauth.expireAll();
      microsoft.oauth.refreshTokens.clear();
      linkedin.fault({ status: 401 });
      microsoft.fault({ status: 401 });
      const grantsBefore = linkedin.oauth.grants;
      await feed(emails.slice(half), half);
      const liRows = await waitForOutcomes(collector, li.destinationId, n, DELIVERY_TIMEOUT);
      const msRows = await waitForOutcomes(collector, ms.destinationId, n, DELIVERY_TIMEOUT);

      const a = await account(
        'expired token, refreshed (LinkedIn 401)',
        collector,
        linkedinCopies(linkedin.events),
        li,
        emails,
        accepted,
      );
      expectExactlyOnce(a, n);
      // The 401 was met and answered by a refresh (two when the object had lost its cached token), not a refresh per batch.
      expect(
        linkedin.requests.some((r) => r.status === 401 && JSON.stringify(r.reply).includes('EXPIRED_ACCESS_TOKEN')),
      ).toBe(true);
      expect(linkedin.oauth.grants - grantsBefore).toBeGreaterThanOrEqual(1);
      expect(linkedin.oauth.grants - grantsBefore).toBeLessThanOrEqual(2);
      expect(liRows.every((r) => r.status === 'sent')).toBe(true);

      const b = await account(
        'expired token, refresh refused (Microsoft 401 + invalid_grant)',
        collector,
        await microsoftCopies(microsoft, audienceId!, emails),
        ms,
        emails,
        accepted,
      );
      expectExactlyOnce(b, n, n - half);
      // The refresh was tried and refused (after the 401, or first when the cached token was gone).
      expect(
        microsoft.requests.some(
          (r) =>
            r.path === MICROSOFT_TOKEN_PATH && r.status === 400 && JSON.stringify(r.reply).includes('invalid_grant'),
        ),
      ).toBe(true);
      const failed = msRows.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(n - half);
      for (const r of failed) expect(JSON.stringify(r.error)).toMatch(/invalid_grant/);

      const isAlert = (x: { body: string }) =>
        x.body.includes('credentials_refused') && x.body.includes(ms.destinationId);
      await waitFor(() => receiver.received.some(isAlert));
      const alert = receiver.received.find(isAlert);
      expect(alert, 'a credentials_refused alert for the Microsoft destination').toBeDefined();
      expect(
        receiver.received.some((x) => x.body.includes(li.destinationId)),
        'no alert for the refreshed LinkedIn destination',
      ).toBe(false);
      expect(alert!.body).not.toMatch(/@example\.com|rel-ms-|rel-li-/);
      expect(collector.logs()).not.toMatch(/rel-expired-\d+@example\.com|rel-ms-refresh|rel-li-refresh/);
    } finally {
      await collector.stop();
      await linkedin.stop();
      await microsoft.stop();
      await receiver.stop();
    }
  });
});
