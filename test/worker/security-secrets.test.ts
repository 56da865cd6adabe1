// Secrets never come back after saving (API, delivery log, admin pages), and neither secrets nor
// emails reach the logs: a whole identify -> upsert -> audience -> delivery run, failures included,
// is made with console output captured, and the capture is scanned for every email and token used.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { get, signIn } from './admin-helpers';
import { createAudience, mql, send, turnOn } from './audiences-helpers';
import { api, call, collect, DAY, env, gclid, identifyEvent, PK, SK, upsertPeople, waitForJob } from './helpers';

const urls = inject('fakeUrls');
const RUN = Date.now().toString(36);
const EMAILS = Array.from({ length: 4 }, (_, i) => `Secret.Person${i}.${RUN}@Example.com`);
const BAD_TOKEN = `EAAwrong-token-${RUN}-zzzz`;
const SECRETS_OF_FAKES = [
  WORKER_FAKES.meta.accessToken,
  WORKER_FAKES.google_ads.clientSecret,
  WORKER_FAKES.google_ads.refreshToken,
  WORKER_FAKES.linkedin.clientSecret,
  WORKER_FAKES.linkedin.refreshToken,
  WORKER_FAKES.microsoft_ads.developerToken,
  WORKER_FAKES.microsoft_ads.clientSecret,
  WORKER_FAKES.microsoft_ads.refreshToken,
  WORKER_FAKES.reddit.accessToken,
  WORKER_FAKES.tiktok.accessToken,
  WORKER_FAKES.openai_ads.apiKey,
  BAD_TOKEN,
];
// The deployment's own secrets: never in a response (the publishable key is public by design).
const DEPLOYMENT_SECRETS = [
  env.SECRET_KEY!,
  env.IDENTITY_SECRET!,
  env.ENCRYPTION_KEY!,
  env.IDENTIFY_SIGNING_SECRET!,
  env.SEGMENT_WEBHOOK_SECRET!,
];

// OAuth destinations run dry: live, they would rotate the shared fakes' refresh tokens under other test files.
const destinationBodies = () => [
  {
    type: 'meta',
    name: 'Meta',
    mode: 'live',
    endpoint: urls.meta,
    settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
  },
  {
    type: 'meta',
    name: 'Meta refused',
    mode: 'live',
    endpoint: urls.meta,
    settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: BAD_TOKEN },
  },
  {
    type: 'google_ads',
    name: 'Google Ads',
    mode: 'dry_run',
    endpoint: urls.google_ads,
    tokenEndpoint: urls.google_ads,
    settings: {
      customerId: WORKER_FAKES.google_ads.customerId,
      conversionActionId: '555',
      clientId: 'g-client',
      clientSecret: WORKER_FAKES.google_ads.clientSecret,
      refreshToken: WORKER_FAKES.google_ads.refreshToken,
    },
  },
  {
    type: 'linkedin',
    name: 'LinkedIn',
    mode: 'dry_run',
    endpoint: urls.linkedin,
    tokenEndpoint: urls.linkedin,
    settings: {
      conversionId: '4242',
      clientId: 'li-client',
      clientSecret: WORKER_FAKES.linkedin.clientSecret,
      refreshToken: WORKER_FAKES.linkedin.refreshToken,
      apiVersion: '202505',
    },
  },
  {
    type: 'microsoft_ads',
    name: 'Microsoft',
    mode: 'dry_run',
    endpoint: urls.microsoft_ads,
    tokenEndpoint: urls.microsoft_ads,
    settings: {
      customerId: '1111',
      accountId: '2222',
      conversionGoalName: 'MQL',
      developerToken: WORKER_FAKES.microsoft_ads.developerToken,
      clientId: 'ms-client',
      clientSecret: WORKER_FAKES.microsoft_ads.clientSecret,
      refreshToken: WORKER_FAKES.microsoft_ads.refreshToken,
    },
  },
  // Static tokens: live is safe to share.
  { type: 'reddit', name: 'Reddit', mode: 'live', endpoint: urls.reddit, settings: WORKER_FAKES.reddit },
  { type: 'tiktok', name: 'TikTok', mode: 'live', endpoint: urls.tiktok, settings: WORKER_FAKES.tiktok },
  {
    type: 'openai_ads',
    name: 'ChatGPT Ads',
    mode: 'live',
    endpoint: urls.openai_ads,
    settings: WORKER_FAKES.openai_ads,
  },
];

const captured: string[] = [];
const spies: { mockRestore(): void }[] = [];

function expectClean(text: string, what: string) {
  for (const s of [...SECRETS_OF_FAKES, ...DEPLOYMENT_SECRETS])
    expect(text.includes(s), `${what} holds a secret (${s.slice(0, 6)}…)`).toBe(false);
}

describe('secrets and emails', { timeout: 120_000 }, () => {
  const ids: string[] = [];
  const tokens: string[] = [];

  beforeAll(() => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      spies.push(
        vi
          .spyOn(console, level)
          .mockImplementation(
            (...args: unknown[]) =>
              void captured.push(
                args
                  .map((a) =>
                    typeof a === 'string'
                      ? a
                      : a instanceof Error
                        ? `${a.name} ${a.message} ${a.stack}`
                        : JSON.stringify(a),
                  )
                  .join(' '),
              ),
          ),
      );
    }
  });
  afterAll(() => {
    for (const s of spies) s.mockRestore();
  });

  it('a full run: destinations saved, people identified and upserted, conversions delivered or refused', async () => {
    for (const body of destinationBodies()) {
      const res = await send('/api/destinations', 'POST', body);
      const text = await res.text();
      expect(res.status, text).toBe(201);
      expectClean(text, `POST /api/destinations ${body.type}`);
      ids.push(JSON.parse(text).id);
    }
    const audience = await createAudience(mql(7, { name: `secrets ${RUN}` }));
    for (const id of ids) await turnOn(audience.id, { destinationId: id, eventName: 'Lead', conversionAction: '555' });

    for (const email of EMAILS) {
      const res = await collect({
        key: PK,
        events: [
          identifyEvent(email, {
            traits: { email, phone: '+1 555 0100' },
            touches: [
              { kind: 'gclid', value: gclid(), firstSeen: Date.now() - DAY },
              { kind: 'fbclid', value: `IwAR_${RUN}`, firstSeen: Date.now() - DAY },
            ],
          }),
        ],
      });
      const out = (await res.json()) as { token?: string };
      expect(res.status).toBe(200);
      if (out.token) tokens.push(out.token);
    }
    const seg = await call('/segment/v1/identify', {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${SK}:`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: EMAILS[0], traits: { email: EMAILS[0] } }),
    });
    expect(seg.status).toBe(200);
    const up = await upsertPeople({
      people: EMAILS.map((email) => ({
        email,
        source: 'crm',
        attributes: { lifecycle: 'mql', mql_at: new Date(Date.now() - DAY).toISOString(), owner_email: email },
      })),
    });
    expect(up.status).toBe(202);
    await waitForJob(((await up.json()) as any).jobId);

    // Each destination's alarm runs until every row has an outcome (sent, or failed with the reason).
    const deadline = Date.now() + 60_000;
    for (const id of ids) {
      for (;;) {
        await runDurableObjectAlarm(env.DESTINATION.get(env.DESTINATION.idFromName(id)));
        const res = await api(`/api/destinations/${id}/conversions?limit=100`);
        const text = await res.text();
        expectClean(text, `delivery log of ${id}`);
        const rows = JSON.parse(text).conversions as { status: string }[];
        if (rows.length >= EMAILS.length && rows.every((r) => r.status !== 'queued' && r.status !== 'leased')) break;
        if (Date.now() > deadline)
          throw new Error(`${id}: rows not settled: ${JSON.stringify(rows.map((r) => r.status))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const refused = (await (await api(`/api/destinations/${ids[1]}/conversions`)).json()) as {
      conversions: { status: string; error: unknown }[];
    };
    expect(refused.conversions.some((r) => r.status === 'failed' || r.status === 'dead')).toBe(true);
  });

  it('secrets never come back: destinations, keys, install, admin pages', async () => {
    for (const id of ids) {
      for (const res of [
        await api(`/api/destinations/${id}`),
        await send(`/api/destinations/${id}`, 'PATCH', { name: 'renamed' }),
        await api(`/api/destinations/${id}/conversions`),
      ]) {
        const text = await res.text();
        expect(res.status).toBe(200);
        expectClean(text, id);
      }
    }
    const keysBefore = await api('/api/keys');
    const created = (await (
      await send('/api/keys', 'POST', { type: 'secret', scope: 'ingest', name: 'shown once' })
    ).json()) as { key: string };
    expect(created.key).toMatch(/^sk_/);
    for (const res of [keysBefore, await api('/api/keys'), await api('/api/install')]) {
      const text = await res.text();
      expectClean(text, res.url);
      expect(text).not.toContain(created.key);
    }
    const { cookies } = await signIn();
    for (const path of [
      '/admin/keys',
      '/admin/install',
      '/admin/people',
      `/admin/people/${encodeURIComponent(EMAILS[0]!.toLowerCase())}`,
    ]) {
      const res = await get(path, cookies);
      const html = await res.text();
      expect(res.status, path).toBe(200);
      expectClean(html, path);
      expect(html, path).not.toContain(created.key);
    }
  });

  it('the captured logs hold no email, token or secret', async () => {
    // The capture sees what Durable Objects log (they run in this isolate), or this check proves nothing.
    await runInDurableObject(env.DESTINATION.get(env.DESTINATION.idFromName(ids[0]!)), () =>
      console.error('log-capture-canary'),
    );
    expect(captured.join('\n')).toContain('log-capture-canary');
    const text = captured.join('\n');
    const lower = text.toLowerCase();
    for (const e of EMAILS) expect(lower.includes(e.toLowerCase()), 'an email reached the logs').toBe(false);
    expect(lower).not.toMatch(/[a-z0-9._%+-]+@example\.com/);
    for (const t of tokens) expect(text.includes(t), 'a person token reached the logs').toBe(false);
    expectClean(text, 'logs');
  });
});
