// Pause, resume and delete reach rows already handed to a DestinationObject outbox: held rows are
// not sent until resumed, cancelled rows never are; editing criteria never re-fires an entry.
// Real DestinationObjects in dry_run (the exact request is recorded, nothing leaves).
import { describe, expect, it } from 'vitest';
import { destinationById } from '../../collector/audiences/hand-off';
import type { DestinationObject } from '../../collector/objects/destination';
import { api } from './helpers';
import { createAudience, DAY, destination, env, history, json, META_SETTINGS, mql, send, settled, turnOn, upsert } from './audiences-helpers';

let n = 0;
const email = () => `outbox-${Date.now().toString(36)}-${n++}@example.com`;
const outboxOf = (id: string) => destinationById(env, id) as unknown as DestinationObject;

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rows already in the outbox', { timeout: 120_000 }, () => {
  it('pausing the conversion holds them, resuming releases them, deleting the audience cancels them', async () => {
    const dst = await destination('meta', META_SETTINGS);
    const outbox = outboxOf(dst);
    // The destination itself paused: rows wait in its outbox, handed off but not sent.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: true })).status).toBe(200);
    const audience = await createAudience(mql(7, { name: 'outbox control' }));
    const cv = await turnOn(audience.id, { destinationId: dst });
    await settled(audience.id);
    const [a, b] = [email(), email()];
    await upsert(a, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    await upsert(b, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    const rowA = (await history(a, audience.id)).conversions[0]!;
    const rowB = (await history(b, audience.id)).conversions[0]!;
    expect((await outbox.conversion(rowA.id))?.status).toBe('queued');
    expect((await outbox.conversion(rowB.id))?.status).toBe('queued');

    // Pause the conversion: the sweep reaches both people, each holds its row in the outbox.
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: true })).status).toBe(200);
    await settled(audience.id);
    expect((await history(a, audience.id)).conversions[0]).toMatchObject({ status: 'paused' });
    expect((await outbox.describe())?.counts).toMatchObject({ held: 2 });
    // The destination resumes sending: held rows stay put.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: false })).status).toBe(200);
    await outbox.flushNow();
    expect((await outbox.conversion(rowA.id))?.status).toBe('queued');
    expect((await outbox.conversion(rowA.id))?.note).toMatch(/held/);
    // The audit shows the held row and the item it will send.
    const audit = (await json(await api(`/api/audiences/${audience.id}/members`))).members.find((m: any) => m.email === a).conversions[0];
    expect(audit).toMatchObject({ status: 'paused', outbox: { status: 'queued', held: true }, payload: { event_id: rowA.entryId } });

    // Resume: released and sent (recorded, dry run) with the same event id.
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: false })).status).toBe(200);
    await settled(audience.id);
    await outbox.flushNow();
    const sentA = await until(() => outbox.conversion(rowA.id), (r) => r?.status === 'sent', 'row a not sent after resume');
    expect((sentA!.item as any).event_id).toBe(rowA.entryId);
    expect((await history(a, audience.id)).conversions[0]).toMatchObject({ status: 'pending' });

    // A third person enters while the destination is paused again; then the audience is deleted.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: true })).status).toBe(200);
    const c = email();
    await upsert(c, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    const rowC = (await history(c, audience.id)).conversions[0]!;
    expect((await outbox.conversion(rowC.id))?.status).toBe('queued');
    expect((await api(`/api/audiences/${audience.id}`, { method: 'DELETE' })).status).toBe(200);
    await until(() => outbox.conversion(rowC.id), (r) => r?.status === 'skipped', 'row c not cancelled');
    expect(await outbox.conversion(rowC.id)).toMatchObject({ status: 'skipped', skipReason: 'cancelled' });
    expect((await history(c, audience.id)).conversions[0]).toMatchObject({ status: 'cancelled' });
    // The sent row stays sent; the cancelled one is never sent once the destination runs again.
    expect((await send(`/api/destinations/${dst}`, 'PATCH', { paused: false })).status).toBe(200);
    await outbox.flushNow();
    expect((await outbox.conversion(rowC.id))?.status).toBe('skipped');
    expect((await outbox.conversion(rowA.id))?.status).toBe('sent');
    expect((await history(a, audience.id)).conversions[0]!.status).not.toBe('paused');
  });

  it('editing criteria never re-fires an entry already sent', async () => {
    const dst = await destination('meta', META_SETTINGS);
    const outbox = outboxOf(dst);
    const audience = await createAudience(mql(30, { name: 'edit never re-fires' }));
    await turnOn(audience.id, { destinationId: dst });
    await settled(audience.id);
    const who = email();
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY, score: 10 }, Date.now());
    const row = (await history(who, audience.id)).conversions[0]!;
    await outbox.flushNow();
    await until(() => outbox.conversion(row.id), (r) => r?.status === 'sent', 'not sent');
    // Out of the audience and back in, twice, with the same timestamp; then a window change.
    const edits = [
      { criteria: { all: [{ field: 'crm.lifecycle', op: 'eq', value: 'mql' }, { field: 'crm.score', op: 'gte', value: 50 }] } },
      { criteria: { all: [{ field: 'crm.lifecycle', op: 'eq', value: 'mql' }, { field: 'crm.score', op: 'gte', value: 5 }] } },
      { criteria: { field: 'crm.lifecycle', op: 'neq', value: 'mql' } },
      { criteria: { field: 'crm.lifecycle', op: 'in', value: ['mql', 'sql'] }, timestamp: { field: 'crm.mql_at', withinDays: 60 } },
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
    const all = (await outbox.conversions({ limit: 500 })).filter((r) => (r.item as any)?.event_id === row.entryId);
    expect(all.map((r) => r.status)).toEqual(['sent']);
    expect(all[0]!.attempts).toBe(1);
  });
});
