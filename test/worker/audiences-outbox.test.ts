// Pause, resume and delete reach rows already handed to a DestinationObject outbox: its gate reads
// the audience config when a row comes due, so held rows are not sent until resumed, cancelled rows
// never are, and a row already sent stays sent; editing criteria never re-fires an entry.
// Real DestinationObjects in dry_run (the exact request is recorded, nothing leaves).
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { conversionKey } from '../../collector/delivery/conversion-row';
import { HOLD_MS } from '../../collector/delivery/outbox';
import type { DestinationObject } from '../../collector/objects/destination';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  env,
  history,
  json,
  META_SETTINGS,
  mql,
  send,
  settled,
  turnOn,
  until,
  upsert,
} from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

let n = 0;
const email = () => `outbox-${Date.now().toString(36)}-${n++}@example.com`;
const outboxOf = (id: string) => destinationById(env, id) as unknown as DestinationObject;
// Loosely typed: the object's RPC type is too deep for runInDurableObject's inference.
const inObject = runInDurableObject as unknown as (
  stub: unknown,
  fn: (o: DestinationObject) => unknown,
) => Promise<unknown>;

/** What the outbox's alarm would do at `at`: send what is due then. */
async function flushAt(id: string, at: number) {
  await inObject(destinationById(env, id), (o) => {
    o.now = () => at;
  });
  try {
    await outboxOf(id).flushNow();
  } finally {
    await inObject(destinationById(env, id), (o) => {
      o.now = () => Date.now();
    });
  }
}

const auditOf = async (audienceId: string, who: string) =>
  (await json(await api(`/api/audiences/${audienceId}/members`))).members.find((m: any) => m.email === who)
    ?.conversions[0];
const personViewOf = async (who: string, audienceId: string) =>
  (await json(await api(`/api/people/${encodeURIComponent(who)}`))).conversions.find(
    (c: any) => c.audienceId === audienceId,
  );

describe('rows already in the outbox', { timeout: 120_000 }, () => {
  it('pausing the conversion holds them, resuming sends them once, deleting the audience cancels them', async () => {
    const dst = await destination('meta', META_SETTINGS);
    const outbox = outboxOf(dst);
    // The destination itself paused: rows wait in its outbox, handed off but not sent.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: true })).status).toBe(200);
    const audience = await createAudience(mql(7, { name: 'outbox gate' }));
    const cv = await turnOn(audience.id, { destinationId: dst });
    await settled(audience.id);
    const [a, b] = [email(), email()];
    await upsert(a, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    await upsert(b, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    const rowA = (await history(a, audience.id)).conversions[0]!;
    const rowB = (await history(b, audience.id)).conversions[0]!;
    const [keyA, keyB] = [await conversionKey(rowA.entryId, cv), await conversionKey(rowB.entryId, cv)];
    expect(await outbox.logEntry(keyA)).toMatchObject({
      status: 'queued',
      audienceId: audience.id,
      conversionId: cv.id,
    });
    expect((await outbox.logEntry(keyB))?.status).toBe('queued');

    // Pause the conversion, then let the destination run: the gate holds both rows.
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: true })).status).toBe(
      200,
    );
    await settled(audience.id);
    expect((await history(a, audience.id)).conversions[0]).toMatchObject({ status: 'paused' });
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: false })).status).toBe(200);
    await outbox.flushNow();
    await flushAt(dst, Date.now() + 2 * HOLD_MS);
    for (const key of [keyA, keyB]) {
      const held = await outbox.logEntry(key);
      expect(held).toMatchObject({ status: 'queued', attempts: 0, request: null });
      expect(held?.note).toMatch(/^held: /);
      expect(held!.dueAt).toBeGreaterThan(Date.now());
    }
    // The audit shows the held row and the item it will send; the person view reads 'paused'.
    expect(await auditOf(audience.id, a)).toMatchObject({
      status: 'paused',
      outbox: { status: 'queued', held: true },
      payload: { event_id: rowA.entryId },
    });
    expect(await personViewOf(a, audience.id)).toMatchObject({
      status: 'paused',
      delivery: { status: 'queued', key: keyA },
    });

    // Resume: the next time the rows come due they are sent (recorded, dry run) with the same event id.
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: false })).status).toBe(
      200,
    );
    await settled(audience.id);
    expect((await history(a, audience.id)).conversions[0]).toMatchObject({ status: 'pending' });
    expect(await auditOf(audience.id, a)).toMatchObject({
      status: 'pending',
      outbox: { status: 'queued', held: false },
    });
    let step = 3;
    const sentA = await until(
      async () => {
        await flushAt(dst, Date.now() + step++ * HOLD_MS);
        return outbox.logEntry(keyA);
      },
      (r) => r?.status === 'sent',
      'row a not sent after resume',
    );
    expect((sentA!.event as any).event_id).toBe(rowA.entryId);
    expect(sentA!.attempts).toBe(1);
    expect((await outbox.logEntry(keyB))?.status).toBe('sent');
    expect(await personViewOf(a, audience.id)).toMatchObject({ status: 'sent' });
    expect(await auditOf(audience.id, a)).toMatchObject({ status: 'pending', outbox: { status: 'sent', held: false } });

    // A third person enters while the destination is paused again; then the audience is deleted.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: true })).status).toBe(200);
    const c = email();
    await upsert(c, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    const rowC = (await history(c, audience.id)).conversions[0]!;
    const keyC = await conversionKey(rowC.entryId, cv);
    expect((await outbox.logEntry(keyC))?.status).toBe('queued');
    expect((await api(`/api/audiences/${audience.id}`, { method: 'DELETE' })).status).toBe(200);
    await until(
      async () => (await history(c, audience.id)).conversions[0],
      (r) => r?.status === 'cancelled',
      'row c not cancelled on the person',
    );
    // Cancelled before the destination even runs again: the person view says so already.
    expect(await personViewOf(c, audience.id)).toMatchObject({ status: 'cancelled', delivery: { status: 'queued' } });
    // The destination runs again: the cancelled row is skipped, never sent; the sent rows stay sent.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: false })).status).toBe(200);
    await outbox.flushNow();
    await flushAt(dst, Date.now() + 2 * HOLD_MS);
    expect(await outbox.logEntry(keyC)).toMatchObject({
      status: 'skipped',
      skipReason: 'cancelled',
      attempts: 0,
      request: null,
    });
    expect(await personViewOf(c, audience.id)).toMatchObject({
      status: 'skipped',
      delivery: { skipReason: 'cancelled' },
    });
    for (const key of [keyA, keyB]) expect(await outbox.logEntry(key)).toMatchObject({ status: 'sent', attempts: 1 });
    // Each event id went out in exactly one request.
    const sent = (await outbox.log({ limit: 500 })).filter((r) =>
      [rowA.entryId, rowB.entryId, rowC.entryId].includes((r.event as any)?.event_id),
    );
    expect(sent.map((r) => r.status).sort()).toEqual(['sent', 'sent', 'skipped']);
  });

  it('editing criteria never re-fires an entry already sent', async () => {
    const dst = await destination('meta', META_SETTINGS);
    const outbox = outboxOf(dst);
    const audience = await createAudience(mql(30, { name: 'edit never re-fires' }));
    const cv = await turnOn(audience.id, { destinationId: dst });
    await settled(audience.id);
    const who = email();
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY, score: 10 }, Date.now());
    const row = (await history(who, audience.id)).conversions[0]!;
    const key = await conversionKey(row.entryId, cv);
    await outbox.flushNow();
    await until(
      () => outbox.logEntry(key),
      (r) => r?.status === 'sent',
      'not sent',
    );
    // Out of the audience and back in, twice, with the same timestamp; then a window change.
    const edits = [
      {
        criteria: {
          all: [
            { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
            { field: 'crm.score', op: 'gte', value: 50 },
          ],
        },
      },
      {
        criteria: {
          all: [
            { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
            { field: 'crm.score', op: 'gte', value: 5 },
          ],
        },
      },
      { criteria: { field: 'crm.lifecycle', op: 'neq', value: 'mql' } },
      {
        criteria: { field: 'crm.lifecycle', op: 'in', value: ['mql', 'sql'] },
        timestamp: { field: 'crm.mql_at', withinDays: 60 },
      },
    ];
    for (const edit of edits) {
      expect((await send(`/api/audiences/${audience.id}`, 'PATCH', edit)).status).toBe(200);
      await settled(audience.id);
      await outbox.flushNow();
    }
    const h = await history(who, audience.id);
    expect(h.entries).toHaveLength(1);
    expect(h.conversions).toHaveLength(1);
    expect(h.exits.length).toBeGreaterThanOrEqual(2);
    const all = (await outbox.log({ limit: 500 })).filter((r) => (r.event as any)?.event_id === row.entryId);
    expect(all.map((r) => r.status)).toEqual(['sent']);
    expect(all[0]!.attempts).toBe(1);
  });
});
