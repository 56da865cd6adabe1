// GET /api/conversions and friends through the real app: rows in two destinations' outboxes, one
// log, newest first, filtered, paged by cursor; one conversion with its whole request; retry.
import { describe, expect, inject, it } from 'vitest';
import type { ConversionRow } from '../../collector/delivery/types';
import { personKey } from '../../collector/identity';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { api, DAY, env } from './helpers';
import { destinationById } from '../../collector/objects/doors';

const urls = inject('fakeUrls');
let seq = 0;

const post = (path: string, body?: unknown) =>
  api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A real audience with a conversion on each destination given: the outbox sends only rows of live conversions. */
async function goLive(destinationIds: string[]): Promise<{ audienceId: string; conversion: Map<string, string> }> {
  const res = await post('/api/audiences', {
    name: `Log ${++seq}`,
    criteria: { field: 'crm.never', op: 'eq', value: `x${seq}` },
    timestamp: { field: 'crm.at', withinDays: 7 },
  });
  const { id } = (await res.json()) as { id: string };
  const conversion = new Map<string, string>();
  for (const d of destinationIds) {
    const c = await post(`/api/audiences/${id}/conversions`, { destinationId: d, sendExisting: false });
    expect(c.status).toBe(201);
    conversion.set(d, ((await c.json()) as { id: string }).id);
  }
  return { audienceId: id, conversion };
}

async function row(
  email: string,
  live: { audienceId: string; conversion: Map<string, string> },
  destinationId: string,
  over: Partial<ConversionRow> = {},
): Promise<ConversionRow> {
  const audienceId = live.audienceId;
  const n = ++seq;
  const now = Date.now();
  return {
    id: `${n.toString(16).padStart(4, '0')}${crypto.randomUUID().replace(/-/g, '')}`.slice(0, 32),
    eventTime: Math.floor(now / 1000) - 3600,
    email,
    touches: [{ kind: 'gclid', value: `Cj0_log_${n}`, firstSeen: now - DAY }],
    devices: [],
    attributes: {},
    conversion: {},
    origin: { audienceId, conversionId: live.conversion.get(destinationId)!, personKey: await personKey(env, email) },
    ...over,
  };
}

// flushNow, not runDurableObjectAlarm: enqueue arms a real alarm that may already be sending, and
// flushNow runs after any flush in progress (one at a time), so the rows are settled when it returns.
describe('/api/conversions', () => {
  it('lists every destination, merges their logs newest first with filters and a cursor, shows one with its request, and retries only failed rows', async () => {
    const g = WORKER_FAKES.google_ads;
    const metaRes = await post('/api/destinations', {
      type: 'meta',
      name: 'Meta (dry run)',
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
      endpoint: urls.meta,
    });
    const gadsRes = await post('/api/destinations', {
      type: 'google_ads',
      name: 'Google Ads',
      mode: 'live',
      endpoint: urls.google_ads,
      tokenEndpoint: urls.google_ads,
      settings: {
        customerId: g.customerId,
        conversionActionId: '555',
        clientId: g.clientId,
        clientSecret: g.clientSecret,
        refreshToken: g.refreshToken,
      },
    });
    expect([metaRes.status, gadsRes.status]).toEqual([201, 201]);
    const meta = (await metaRes.json()) as { id: string };
    const gads = (await gadsRes.json()) as { id: string };

    const listed = await api('/api/destinations');
    const text = await listed.text();
    const ids = (JSON.parse(text) as { destinations: { id: string; mode: string }[] }).destinations.map((d) => d.id);
    expect(ids).toEqual(expect.arrayContaining([meta.id, gads.id]));
    for (const secret of [WORKER_FAKES.meta.accessToken, g.clientSecret, g.refreshToken])
      expect(text).not.toContain(secret);

    const alice = `alice.${seq}@example.com`;
    const bob = `bob.${seq}@example.com`;
    const main = await goLive([meta.id, gads.id]);
    const other = await goLive([meta.id]);
    const aud = main.audienceId;
    const metaRows = [await row(alice, main, meta.id), await row(bob, main, meta.id), await row(alice, other, meta.id)];
    const good = await row(alice, main, gads.id);
    const bad = await row(bob, main, gads.id, { conversion: { conversionAction: '999' } });
    expect(await destinationById(env, meta.id).enqueue(metaRows)).toMatchObject({ ok: true, value: { queued: 3 } });
    expect(await destinationById(env, gads.id).enqueue([good, bad])).toMatchObject({ ok: true, value: { queued: 2 } });
    await destinationById(env, meta.id).flushNow();
    await destinationById(env, gads.id).flushNow();

    type Entry = {
      id: string;
      entryId: string;
      destinationId: string;
      status: string;
      createdAt: number;
      audienceId: string;
      email: string;
      event: unknown;
      error: { code: string } | null;
      request: { body?: unknown; url: string; status: number | null; rows: number } | null;
    };
    const page = async (query: string) => {
      const res = await api(`/api/conversions?${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as { conversions: Entry[]; cursor: string | null };
    };
    const mine = (rows: Entry[]) => rows.filter((r) => r.audienceId === aud || r.audienceId === other.audienceId);

    const all = mine((await page('limit=200')).conversions);
    expect(all.map((r) => r.entryId).sort()).toEqual([...metaRows, good, bad].map((r) => r.id).sort());
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.createdAt).toBeGreaterThanOrEqual(all[i]!.createdAt);
    const byEntry = new Map(all.map((r) => [r.entryId, r]));
    expect(byEntry.get(metaRows[0]!.id)).toMatchObject({
      destinationId: meta.id,
      status: 'sent',
      email: alice,
      request: { status: null, rows: 3 },
    });
    expect((byEntry.get(metaRows[0]!.id)!.event as { event_id: string }).event_id).toBe(metaRows[0]!.id);
    expect(byEntry.get(good.id)).toMatchObject({ destinationId: gads.id, status: 'sent', request: { status: 200 } });
    expect(byEntry.get(bad.id)).toMatchObject({ status: 'failed', error: { code: 'NO_CONVERSION_ACTION_FOUND' } });
    expect(byEntry.get(good.id)!.request!.body).toBeUndefined();
    const allText = JSON.stringify(all);
    for (const secret of [WORKER_FAKES.meta.accessToken, g.clientSecret, g.refreshToken])
      expect(allText).not.toContain(secret);

    // Filters.
    expect(
      mine((await page(`destination=${meta.id}&limit=200`)).conversions)
        .map((r) => r.entryId)
        .sort(),
    ).toEqual(metaRows.map((r) => r.id).sort());
    expect(mine((await page('status=failed&limit=200')).conversions).map((r) => r.entryId)).toEqual([bad.id]);
    expect((await page(`audience=${other.audienceId}`)).conversions.map((r) => r.entryId)).toEqual([metaRows[2]!.id]);
    expect(
      (await page(`email=${encodeURIComponent(alice.toUpperCase())}`)).conversions.map((r) => r.entryId).sort(),
    ).toEqual([metaRows[0]!.id, metaRows[2]!.id, good.id].sort());
    expect(
      (await page(`email=${encodeURIComponent(bob)}&destination=${gads.id}`)).conversions.map((r) => r.entryId),
    ).toEqual([bad.id]);

    // A cursor walks every row once, across destinations and rows created in the same millisecond.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { conversions: Entry[]; cursor: string | null } = await page(
        `audience=${aud}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...p.conversions.map((r) => r.id));
      cursor = p.cursor;
    } while (cursor);
    const wanted = all.filter((r) => r.audienceId === aud).map((r) => r.id);
    expect(walked).toEqual(wanted);
    expect(new Set(walked).size).toBe(4);

    // One conversion: the whole request body it travelled in, credentials redacted.
    const one = await api(`/api/conversions/${byEntry.get(metaRows[1]!.id)!.id}`);
    expect(one.status).toBe(200);
    const detail = (await one.json()) as Entry;
    expect(detail.request!.url).toContain('access_token=[REDACTED]');
    expect((detail.request!.body as { data: { event_id: string }[] }).data.map((e) => e.event_id).sort()).toEqual(
      metaRows.map((r) => r.id).sort(),
    );
    expect((await api(`/api/conversions/${meta.id}:${'f'.repeat(32)}`)).status).toBe(404);
    expect((await api('/api/conversions/nope')).status).toBe(404);

    // Retry: a sent row is a conflict; a failed one goes back to the queue with the same id.
    const sent = await post(`/api/conversions/${byEntry.get(good.id)!.id}/retry`);
    expect(sent.status).toBe(409);
    expect(await sent.json()).toMatchObject({ error: { code: 'not_retryable' } });
    const again = await post(`/api/conversions/${byEntry.get(bad.id)!.id}/retry`);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      id: byEntry.get(bad.id)!.id,
      entryId: bad.id,
      status: 'queued',
      attempts: 0,
      error: null,
    });
    expect((await post(`/api/conversions/${gads.id}:${'e'.repeat(32)}/retry`)).status).toBe(404);
  });

  it('erasing a person clears their email and payloads from every outbox; ids and statuses stay', async () => {
    const res = await post('/api/destinations', {
      type: 'meta',
      name: 'Erasure',
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    const { id } = (await res.json()) as { id: string };
    const gone = `gone.${seq}@example.com`;
    const kept = `kept.${seq}@example.com`;
    const live = await goLive([id]);
    const [a, b] = [await row(gone, live, id), await row(kept, live, id)];
    await destinationById(env, id).enqueue([a, b]);
    await destinationById(env, id).flushNow();
    expect((await api(`/api/people/${encodeURIComponent(gone)}`, { method: 'DELETE' })).status).toBe(200);
    const erased = (await (await api(`/api/conversions/${id}:${a.id}`)).json()) as {
      status: string;
      email: string | null;
      event: unknown;
      request: { body: unknown };
    };
    expect(erased).toMatchObject({ status: 'sent', email: null, event: null });
    const body = JSON.stringify(erased.request.body);
    expect(body).toContain('[ERASED]');
    expect(body).not.toContain(a.id);
    expect(body).toContain(b.id);
    expect(await (await api(`/api/conversions/${id}:${b.id}`)).json()).toMatchObject({
      email: kept,
      event: { event_id: b.id },
    });
    expect(
      (
        (await (await api(`/api/conversions?email=${encodeURIComponent(gone)}`)).json()) as {
          conversions: { email: string | null }[];
        }
      ).conversions.every((r) => r.email === null),
    ).toBe(true);
  });

  it('answers bad queries with clear 400s', async () => {
    for (const q of [
      'status=weird',
      'limit=0',
      'limit=201',
      'limit=x',
      'cursor=garbage',
      'destination=nope',
      'email=not-an-email',
    ]) {
      const res = await api(`/api/conversions?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_query' } });
    }
    expect((await api('/api/conversions', { headers: { authorization: 'Bearer sk_wrong' } })).status).toBe(401);
  });

  it('keeps a deleted destination in the log but refuses to retry its rows', async () => {
    const res = await post('/api/destinations', {
      type: 'meta',
      name: 'Soon gone',
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    const { id } = (await res.json()) as { id: string };
    const r = await row(`carol.${seq}@example.com`, await goLive([id]), id);
    await destinationById(env, id).enqueue([r]);
    await destinationById(env, id).flushNow();
    expect((await api(`/api/destinations/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(
      ((await (await api('/api/destinations')).json()) as { destinations: { id: string }[] }).destinations.map(
        (d) => d.id,
      ),
    ).not.toContain(id);
    const log = (await (await api(`/api/conversions?destination=${id}`)).json()) as {
      conversions: { id: string; status: string }[];
    };
    expect(log.conversions).toMatchObject([{ id: `${id}:${r.id}`, status: 'sent' }]);
    expect((await post(`/api/conversions/${id}:${r.id}/retry`)).status).toBe(409);
  });
});
