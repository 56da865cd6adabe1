import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { directoryFor } from '../../collector/objects/doors';
import type { Env } from '../../collector/env';
import type { DirectoryRow } from '../../collector/objects/directory';
import { personByEmail, personKey } from '../../collector/identity';
import type { PersonObject, PersonSnapshot } from '../../collector/objects/person';
import type { DirectoryEntry, IdentifyInput } from '../../collector/objects/person-types';
import { env, newPersonInput, withDirectoryShards } from './helpers';
import { newSchema } from '../../collector/objects/sql';
import {
  laterTableNames,
  personLaterTables,
  personSchema,
  type LaterTable,
} from '../../collector/objects/person-schema';
import type { PersonStore } from '../../collector/objects/person-store';

// A new person's directory row goes out before the commit that creates the person (beside the
// visitor-registry lookup), computed from the identify itself; the commit marks it pushed, so no
// alarm is set and removed for it. These prove the row is the one the person then holds, that a
// failed commit takes it back, and that two identifies creating the same person at once stay consistent.

const MIN = 60_000;
let n = 0;
const email = () => `new-${Date.now().toString(36)}-${n++}@example.com`;

const input = (key: string, who: string, extra: Partial<IdentifyInput> = {}): IdentifyInput =>
  newPersonInput(key, who, { messageId: `msg_new_${n++}`, ...extra });

/** Runs `fn` inside the person's object with its directory shard's upsert recorded. */
async function withPushes<T>(
  who: string,
  fn: (p: PersonObject, state: DurableObjectState) => Promise<T>,
  { registered = false }: { registered?: boolean } = {},
) {
  const stub = await personByEmail(env, who);
  return runInDurableObject(stub, async (p: PersonObject, state) => {
    const pushes: DirectoryEntry[] = [];
    const result = await withDirectoryShards(
      p as unknown as { env: Env },
      (shard) => ({
        // `registered`: every browser's visitor may hold touches.
        knownVisitors: async (ids: string[]) => (registered ? ids : shard.knownVisitors(ids)),
        withdraw: (key: string, rev: number, at: number) => shard.withdraw(key, rev, at),
        upsert: (e: DirectoryEntry) => {
          pushes.push(structuredClone(e));
          return shard.upsert(e);
        },
      }),
      () => fn(p, state),
    );
    return { result, pushes };
  });
}

const sqlOf = (p: PersonObject) => (p as unknown as { sql: SqlStorage }).sql;

describe('a new person', { timeout: 60_000 }, () => {
  it('the row pushed before the commit is the row the person holds after it (traits, click IDs, consent, a device)', async () => {
    const who = email();
    const key = await personKey(env, who);
    const now = Date.now();
    const { result, pushes } = await withPushes(who, async (p, state) => {
      const outcome = await p.identify(
        input(key, who, {
          now,
          traits: { plan: 'pro', seats: 3, nested: { a: 1, gone: null }, dropped: null },
          touches: [
            { kind: 'gclid', value: 'EAIaIQobChMI_new_1', firstSeen: now - MIN },
            { kind: 'gclid', value: 'EAIaIQobChMI_new_1', firstSeen: now - 2 * MIN },
            { kind: 'gclid', value: 'EAIaIQobChMI_new_2', firstSeen: now - MIN },
            { kind: 'fbclid', value: 'IwAR_new_person_1', firstSeen: now - MIN },
            // Outside the retention window: not stored, not counted.
            { kind: 'msclkid', value: 'old_click_0001', firstSeen: now - 400 * 24 * 60 * MIN },
          ],
          consent: 'granted',
          anonymousId: `anon_new_${n++}`,
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0',
        }),
      );
      return {
        outcome,
        stored: p.directoryEntry(),
        synced: sqlOf(p).exec<{ rev: number; synced_rev: number }>('SELECT rev, synced_rev FROM person').one(),
        alarm: await state.storage.getAlarm(),
      };
    });
    expect(result.outcome).toEqual({ status: 'stored', created: true });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toEqual(result.stored);
    expect(pushes[0]!.clicks).toEqual({ gclid: 2, fbclid: 1 });
    expect(pushes[0]!.attributes).toEqual({ traits: { plan: 'pro', seats: 3, nested: { a: 1 } } });
    expect(result.synced).toEqual({ rev: 1, synced_rev: 1 });
    // Nothing deferred: the browser's visitor stored no touch (unregistered), the row is pushed.
    expect(result.alarm).toBeNull();
    const found = (await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[];
    expect(found.map((r) => [r.key, r.createdAt])).toEqual([[key, now]]);
  });

  it('a new person with more click IDs than a person keeps: the cap holds, and the row pushed after the commit counts what was kept', async () => {
    const who = email();
    const key = await personKey(env, who);
    const now = Date.now();
    const touches = Array.from({ length: 501 }, (_, i) => ({
      kind: 'gclid',
      value: `EAIaIQobChMI_cap_${String(i).padStart(4, '0')}`,
      firstSeen: now - 1000 + i,
    }));
    const { result, pushes } = await withPushes(who, async (p) => {
      const outcome = await p.identify(input(key, who, { now, touches }));
      return { outcome, stored: p.directoryEntry(), snapshot: p.snapshot() };
    });
    expect(result.outcome).toEqual({ status: 'stored', created: true });
    expect(result.snapshot!.touches).toHaveLength(500);
    // The oldest went: the first one sent is not kept.
    expect(result.snapshot!.touches.map((t) => t.value)).not.toContain('EAIaIQobChMI_cap_0000');
    expect(pushes).toEqual([result.stored]);
    expect(pushes[0]!.clicks).toEqual({ gclid: 500 });
  });

  it('with no traits the row has no attributes, as the stored person has none', async () => {
    const who = email();
    const key = await personKey(env, who);
    const { result, pushes } = await withPushes(who, async (p) => {
      await p.identify(input(key, who));
      return p.directoryEntry();
    });
    expect(pushes).toEqual([result]);
    expect(pushes[0]!.attributes).toEqual({});
  });

  it('a commit that fails after the row went out takes the row back, and the identify fails', async () => {
    const who = email();
    const key = await personKey(env, who);
    const { result, pushes } = await withPushes(who, async (p, state) => {
      const storage = state.storage as unknown as { transactionSync: unknown };
      const real = storage.transactionSync;
      storage.transactionSync = () => {
        throw new Error('disk full');
      };
      try {
        await p.identify(input(key, who, { traits: { plan: 'pro' } }));
        return 'stored';
      } catch (e) {
        return (e as Error).message;
      } finally {
        storage.transactionSync = real;
      }
    });
    expect(result).toBe('disk full');
    expect(pushes).toHaveLength(1);
    expect(await directoryFor(env, key).search(who, '', 10)).toEqual([]);
    // The sender's retry creates the person, and the row with it.
    const stub = await personByEmail(env, who);
    expect(await stub.identify(input(key, who, { traits: { plan: 'pro' } }))).toEqual({
      status: 'stored',
      created: true,
    });
    const found = (await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[];
    expect(found.map((r) => [r.key, r.attributes])).toEqual([[key, { traits: { plan: 'pro' } }]]);
  });

  it('two identifies creating the same person at once: one creates it, the directory ends at its revision', async () => {
    const who = email();
    const key = await personKey(env, who);
    const stub = await personByEmail(env, who);
    const now = Date.now();
    const [a, b] = await Promise.all([
      stub.identify(input(key, who, { now, traits: { plan: 'pro' }, anonymousId: `anon_a_${n++}` })),
      stub.identify(input(key, who, { now: now + 1, traits: { seats: 4 }, anonymousId: `anon_b_${n++}` })),
    ]);
    expect([a, b].filter((o) => o.status === 'stored' && o.created)).toHaveLength(1);
    expect([a, b].every((o) => o.status === 'stored')).toBe(true);
    await runDurableObjectAlarm(stub);
    const stored = (await stub.directoryEntry()) as unknown as DirectoryEntry;
    expect(stored.attributes).toEqual({ traits: { plan: 'pro', seats: 4 } });
    const found = (await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[];
    expect(found.map((r) => [r.key, r.attributes])).toEqual([[key, stored.attributes]]);
    const snap = (await stub.snapshot()) as unknown as PersonSnapshot;
    expect(snap.devices).toHaveLength(2);
  });

  it("a CRM upsert that lands while the new person's row is in flight is found by the identify, which then creates nothing", async () => {
    const who = email();
    const key = await personKey(env, who);
    const stub = await personByEmail(env, who);
    const out = await runInDurableObject(stub, async (p: PersonObject) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let pushing!: () => void;
      const pushStarted = new Promise<void>((r) => (pushing = r));
      return withDirectoryShards(
        p as unknown as { env: Env },
        (shard) => ({
          knownVisitors: (ids: string[]) => shard.knownVisitors(ids),
          withdraw: (k: string, rev: number, at: number) => shard.withdraw(k, rev, at),
          upsert: async (e: DirectoryEntry) => {
            pushing();
            await gate;
            return shard.upsert(e);
          },
        }),
        async () => {
          const now = Date.now();
          const identify = p.identify(input(key, who, { now, traits: { plan: 'pro' } }));
          await pushStarted;
          await p.upsertAttributes({ key, email: who, rows: [{ source: 'crm', attributes: { stage: 'mql' } }], now });
          release();
          const outcome = await identify;
          return { outcome, snap: p.snapshot() };
        },
      );
    });
    expect(out.outcome).toEqual({ status: 'stored', created: false });
    expect(out.snap?.attributes).toEqual({ crm: { stage: 'mql' }, traits: { plan: 'pro' } });
  });

  it('a new person whose browser has a visitor with touches keeps the alarm that merges it', async () => {
    const who = email();
    const key = await personKey(env, who);
    const { result } = await withPushes(
      who,
      async (p, state) => {
        await p.identify(input(key, who, { anonymousId: `anon_reg_${n++}` }));
        return {
          links: sqlOf(p).exec('SELECT 1 FROM pending_links').toArray().length,
          synced: sqlOf(p).exec<{ rev: number; synced_rev: number }>('SELECT rev, synced_rev FROM person').one(),
          alarm: await state.storage.getAlarm(),
        };
      },
      { registered: true },
    );
    expect(result.links).toBe(1);
    expect(result.synced).toEqual({ rev: 1, synced_rev: 1 });
    expect(result.alarm).not.toBeNull();
  });

  it("a new database's schema made in one call leaves out the later tables, and each, once created, is the migrated one", async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName(`schema-empty:${n++}`));
    const later = laterTableNames;
    const shapes = await runInDurableObject(stub, async (_o, state) => {
      const sql = state.storage.sql;
      const shape = () => ({
        objects: sql
          .exec(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
          )
          .toArray(),
        version: sql.exec('SELECT version FROM schema_version').toArray(),
      });
      const tables = () =>
        sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
          .toArray()
          .map((r) => r.name);
      const steps = [...personSchema]; // not recorded in this isolate yet
      await state.storage.deleteAll();
      const leftWhenReplayed = newSchema(sql, steps, later); // nothing recorded: replays, and records
      const replayed = shape();
      await state.storage.deleteAll();
      const left = newSchema(sql, steps, later);
      const without = tables();
      for (const t of left) sql.exec(personLaterTables[t as LaterTable]);
      const completed = shape();
      await state.storage.deleteAll();
      return { leftWhenReplayed, replayed, left, without, completed };
    });
    expect(shapes.leftWhenReplayed).toEqual([]);
    expect([...shapes.left].sort()).toEqual([...later].sort());
    for (const t of later) expect(shapes.without).not.toContain(t);
    expect(shapes.without).toContain('person');
    expect(shapes.completed).toEqual(shapes.replayed);
    expect(shapes.replayed.version).toEqual([{ version: personSchema.length }]);
  });

  it('a later table made in a transaction that rolls back is looked for again, not taken as made', async () => {
    const stub = env.PERSON.get(env.PERSON.idFromName(`later-rollback:${n++}`));
    const out = await runInDurableObject(stub, async (o, state) => {
      const store = (o as unknown as { store: PersonStore }).store;
      const sql = state.storage.sql;
      const steps = [...personSchema];
      await state.storage.deleteAll();
      newSchema(sql, steps); // records
      await state.storage.deleteAll();
      store.createdWithout(newSchema(sql, steps, laterTableNames));
      const touch = { kind: 'gclid', value: 'Cj0KCQ-rolled-back', firstSeen: 1_000, lastSeen: 1_000 };
      try {
        state.storage.transactionSync(() => {
          store.mergeTouches([touch], null, 2_000);
          throw new Error('the commit fails');
        });
      } catch {
        // rolled back, the table with it
      }
      const afterRollback = {
        table: sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'touches'").toArray().length,
        clicks: store.directoryEntry(),
        suppressed: store.suppressed(),
        links: store.linkingSince(),
      };
      store.upsertPerson('k'.repeat(64), 'later@example.com', 2_000);
      store.mergeTouches([{ ...touch, value: 'Cj0KCQ-kept' }], null, 2_000);
      const kept = store.snapshot()!.touches.map((t) => t.value);
      await state.storage.deleteAll();
      return { afterRollback, kept };
    });
    expect(out.afterRollback).toEqual({ table: 0, clicks: null, suppressed: false, links: null });
    expect(out.kept).toEqual(['Cj0KCQ-kept']);
  });
});
