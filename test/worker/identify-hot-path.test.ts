import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { directoryFor } from '../../collector/objects/doors';
import type { Env } from '../../collector/env';
import type { DirectoryRow } from '../../collector/objects/directory';
import { describe, expect, it } from 'vitest';
import { personByEmail, personKey } from '../../collector/identity';
import type { PersonObject, PersonSnapshot } from '../../collector/objects/person';
import type { DirectoryEntry } from '../../collector/objects/person-types';
import type { PersonStore } from '../../collector/objects/person-store';
import type { IdentifyInput } from '../../collector/objects/person-types';
import { createAudience, DAY, env, history, mql, settled, upsert } from './audiences-helpers';
import { newPersonInput, withDirectoryShards } from './helpers';

// The identify path does the least work that keeps every guarantee: traits repeated unchanged are
// not rewritten, and an identify that changed no attribute skips the audience evaluation only until
// the next time boundary the last evaluation found.

const MIN = 60_000;
let n = 0;
const email = () => `hot-${Date.now().toString(36)}-${n++}@example.com`;

async function identifyAt(
  who: string,
  now: number,
  traits: Record<string, unknown>,
  extra: Partial<IdentifyInput> = {},
) {
  const stub = await personByEmail(env, who);
  const input: IdentifyInput = {
    key: await personKey(env, who),
    email: who,
    messageId: `msg_${now}_${n++}`,
    anonymousId: 'anon_hot_path_01',
    traits,
    traitsSource: 'traits',
    touches: [],
    consent: null,
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
    now,
    mayCreate: true,
    ...extra,
  };
  return stub.identify(input);
}

describe('identify hot path', { timeout: 60_000 }, () => {
  it('leaves unchanged traits (and their update time) alone; a changed trait is merged and stamped', async () => {
    const who = email();
    const t0 = Date.now();
    expect((await identifyAt(who, t0, { plan: 'pro', seats: 5 })).status).toBe('stored');
    expect((await identifyAt(who, t0 + MIN, { plan: 'pro', seats: 5 })).status).toBe('stored');
    const stub = await personByEmail(env, who);
    let snap = (await stub.snapshot()) as unknown as PersonSnapshot;
    expect(snap.attributes.traits).toEqual({ plan: 'pro', seats: 5 });
    expect(snap.attributeUpdatedAt.traits).toBe(t0);
    expect(snap.updatedAt).toBe(t0 + MIN);
    expect((await identifyAt(who, t0 + 2 * MIN, { seats: 6 })).status).toBe('stored');
    snap = (await stub.snapshot()) as unknown as PersonSnapshot;
    expect(snap.attributes.traits).toEqual({ plan: 'pro', seats: 6 });
    expect(snap.attributeUpdatedAt.traits).toBe(t0 + 2 * MIN);
  });

  it('a new person gets its consent, its device and one directory revision per identify', async () => {
    const who = email();
    const t0 = Date.now();
    await identifyAt(who, t0, {}, { consent: 'denied' });
    await identifyAt(who, t0 + 1, {}, { anonymousId: 'anon_hot_path_02' });
    const stub = await personByEmail(env, who);
    const snap = (await stub.snapshot()) as unknown as PersonSnapshot;
    expect(snap.consent).toEqual({ ads: 'denied', at: t0 });
    expect(snap.devices.map((d) => d.anonymousId).sort()).toEqual(['anon_hot_path_01', 'anon_hot_path_02']);
    const rev = await runInDurableObject(
      stub,
      (p: PersonObject) =>
        (p as unknown as { sql: SqlStorage }).sql.exec<{ rev: number }>('SELECT rev FROM person').one().rev,
    );
    expect(rev).toBe(2);
    expect(((await stub.directoryEntry()) as unknown as DirectoryEntry).identifiedAt).toBe(t0 + 1);
  });

  it("a new person's directory row is written by the identify itself; with no browser to link, no alarm is left", async () => {
    const who = email();
    const t0 = Date.now();
    const key = await personKey(env, who);
    expect((await identifyAt(who, t0, { plan: 'pro' }, { anonymousId: `anon_new_${n++}` })).status).toBe('stored');
    // Searchable at once, no alarm run: the row is the person's first revision, marked pushed.
    const found = (await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[];
    expect(found.map((r) => [r.key, r.attributes])).toEqual([[key, { traits: { plan: 'pro' } }]]);
    const stub = await personByEmail(env, who);
    const state = await runInDurableObject(stub, (p: PersonObject, s) => ({
      synced: (p as unknown as { sql: SqlStorage }).sql
        .exec<{ rev: number; synced_rev: number }>('SELECT rev, synced_rev FROM person')
        .one(),
      links: (p as unknown as { store: PersonStore }).store.pendingLinks(10).length,
      // Nothing queued, no click ID, no erasure: the tables for them were never made.
      later: (p as unknown as { sql: SqlStorage }).sql
        .exec("SELECT name FROM sqlite_master WHERE name IN ('pending_links', 'touches', 'tombstone')")
        .toArray().length,
      alarm: s.storage.getAlarm(),
    }));
    expect(state.synced).toEqual({ rev: 1, synced_rev: 1 });
    expect(state.links).toBe(0);
    expect(state.later).toBe(0);
    expect(await state.alarm).toBeNull();
  });

  it("a new person's database is written only after the visitor registry answered (the schema is not a commit of its own)", async () => {
    const who = email();
    const key = await personKey(env, who);
    const stub = await personByEmail(env, who);
    const seen = await runInDurableObject(stub, async (p: PersonObject) => {
      const o = p as unknown as { env: Env; sql: SqlStorage };
      // The tables the person's database holds while its registry lookup is in flight (a write made
      // before it is committed before the call leaves: the output gate holds the call until then).
      const during: string[][] = [];
      const outcome = await withDirectoryShards(
        o,
        (shard) => ({
          knownVisitors: async (ids: string[]) => {
            during.push(
              o.sql
                .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
                .toArray()
                .map((r) => r.name),
            );
            return shard.knownVisitors(ids);
          },
          upsert: (e: DirectoryEntry) => shard.upsert(e),
        }),
        () =>
          p.identify(
            newPersonInput(key, who, {
              messageId: `msg_order_${n++}`,
              anonymousId: `anon_order_${n++}`,
              traits: { plan: 'pro' },
            }),
          ),
      );
      return { outcome, during };
    });
    expect(seen.outcome).toEqual({ status: 'stored', created: true });
    expect(seen.during).toEqual([[]]);
    expect(((await stub.snapshot()) as unknown as PersonSnapshot).attributes).toEqual({ traits: { plan: 'pro' } });
    expect(((await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[]).map((r) => r.key)).toEqual(
      [key],
    );
  });

  it('a new person whose directory push fails keeps the alarm armed in its commit, and the alarm pushes the row', async () => {
    const who = email();
    const key = await personKey(env, who);
    const stub = await personByEmail(env, who);
    const outcome = await runInDurableObject(stub, async (p: PersonObject, s) => {
      // The shard unreachable for this one call.
      await withDirectoryShards(
        p as unknown as { env: Env },
        () => ({ upsert: async () => Promise.reject(new Error('shard down')) }),
        () => p.identify(newPersonInput(key, who, { messageId: `msg_fail_${n++}` })),
      );
      return {
        alarm: await s.storage.getAlarm(),
        dirty: (p as unknown as { sql: SqlStorage }).sql.exec('SELECT 1 FROM person WHERE rev > synced_rev').toArray()
          .length,
      };
    });
    expect(outcome.alarm).not.toBeNull();
    expect(outcome.dirty).toBe(1);
    expect(await directoryFor(env, key).search(who, '', 10)).toEqual([]);
    await runDurableObjectAlarm(stub);
    expect(((await directoryFor(env, key).search(who, '', 10)) as unknown as DirectoryRow[]).map((r) => r.key)).toEqual(
      [key],
    );
  });

  it('an identify that changes nothing still enters the person once a time boundary has passed', async () => {
    const audience = await createAudience(mql(7));
    await settled(audience.id);
    const who = email();
    const now = Date.now();
    const ts = now + 2 * DAY;
    // The CRM says MQL at a time two days ahead: not a member yet; the evaluation's next boundary
    // is when that timestamp comes into range (5 minutes early, for clock drift).
    const r = await upsert(who, 'crm', { lifecycle: 'mql', mql_at: ts }, now);
    expect(r.members).not.toContain(audience.id);
    // Before the boundary an empty identify changes nothing...
    await identifyAt(who, ts - 5 * MIN - 1, {});
    expect((await history(who, audience.id)).entries).toEqual([]);
    // ...after it, the same empty identify evaluates (no alarm ran at the simulated time) and enters.
    await identifyAt(who, ts - 5 * MIN, {});
    expect((await history(who, audience.id)).entries.map((e) => e.timestamp)).toEqual([Math.floor(ts / 1000)]);
  });

  it('a person in no audience carries no audience tables; the first entry creates them', async () => {
    const tables = async (who: string) =>
      runInDurableObject(await personByEmail(env, who), (p: PersonObject) =>
        (p as unknown as { sql: SqlStorage }).sql
          .exec<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE name LIKE 'audience%' OR name = 'conversions' ORDER BY name",
          )
          .toArray()
          .map((r) => r.name),
      );
    const audience = await createAudience(mql(7));
    await settled(audience.id);
    const who = email();
    const now = Date.now();
    await identifyAt(who, now, { plan: 'pro' });
    const outside = await upsert(who, 'crm', { lifecycle: 'lead', mql_at: now - DAY }, now);
    expect(outside.members).not.toContain(audience.id);
    expect(await tables(who)).toEqual([]);
    expect(await history(who, audience.id)).toEqual({ entries: [], exits: [], conversions: [] });
    const inside = await upsert(who, 'crm', { lifecycle: 'mql' }, now + MIN);
    expect(inside.members).toContain(audience.id);
    expect(await tables(who)).toEqual([
      'audience_entries',
      'audience_exits',
      'audience_exits_audience',
      'audience_state',
      'conversions',
    ]);
    expect((await history(who, audience.id)).entries.map((e) => e.timestamp)).toEqual([Math.floor((now - DAY) / 1000)]);
  });

  it('a repeat identify within a minute writes nothing, not even its message id; a new address, a change or a minute later restamp', async () => {
    const who = email();
    const t0 = Date.now();
    // A backend's device (no browser, so no visitor link is queued: a browser never merged is queued
    // again by each identify until the alarm asks the visitor registry, a write of its own).
    const at = (now: number, traits: Record<string, unknown>, extra: Partial<IdentifyInput> = {}) =>
      identifyAt(who, now, traits, { anonymousId: null, deviceId: 'sd_hot_path_01', ...extra });
    const state = async () =>
      runInDurableObject(await personByEmail(env, who), (p: PersonObject) => {
        const sql = (p as unknown as { sql: SqlStorage }).sql;
        return {
          person: sql
            .exec<{ rev: number; identified_at: number; updated_at: number }>(
              'SELECT rev, identified_at, updated_at FROM person',
            )
            .one(),
          devices: sql.exec<{ ip: string; last_seen: number }>('SELECT ip, last_seen FROM devices').toArray(),
          messages: sql.exec<{ n: number }>('SELECT count(*) AS n FROM messages').one().n,
        };
      });
    await at(t0, { plan: 'pro' });
    await at(t0 + 10_000, { plan: 'pro' });
    expect(await state()).toEqual({
      person: { rev: 1, identified_at: t0, updated_at: t0 },
      devices: [{ ip: '203.0.113.9', last_seen: t0 }],
      messages: 1,
    });
    // Another address for the same browser is recorded at once.
    await at(t0 + 20_000, { plan: 'pro' }, { ip: '198.51.100.7' });
    expect(await state()).toEqual({
      person: { rev: 2, identified_at: t0 + 20_000, updated_at: t0 + 20_000 },
      devices: [{ ip: '198.51.100.7', last_seen: t0 + 20_000 }],
      messages: 2,
    });
    // A missing address is not a change.
    await at(t0 + 30_000, { plan: 'pro' }, { ip: null });
    expect(await state()).toMatchObject({ person: { rev: 2 }, messages: 2 });
    // A changed trait restamps the person (not the device).
    await at(t0 + 40_000, { plan: 'team' }, { ip: '198.51.100.7' });
    expect(await state()).toEqual({
      person: { rev: 3, identified_at: t0 + 40_000, updated_at: t0 + 40_000 },
      devices: [{ ip: '198.51.100.7', last_seen: t0 + 20_000 }],
      messages: 3,
    });
    // A minute after the last stamp, an identify that changes nothing restamps both.
    await at(t0 + 100_000, { plan: 'team' }, { ip: '198.51.100.7' });
    expect(await state()).toEqual({
      person: { rev: 4, identified_at: t0 + 100_000, updated_at: t0 + 100_000 },
      devices: [{ ip: '198.51.100.7', last_seen: t0 + 100_000 }],
      messages: 4,
    });
  });

  it('a message that changed something is a duplicate when resent; one that changed nothing is not recorded and changes nothing again', async () => {
    const who = email();
    const t0 = Date.now();
    const rows = async () =>
      runInDurableObject(await personByEmail(env, who), (p: PersonObject) => {
        const sql = (p as unknown as { sql: SqlStorage }).sql;
        return {
          rev: sql.exec<{ rev: number }>('SELECT rev FROM person').one().rev,
          messages: sql
            .exec<{ id: string }>('SELECT id FROM messages ORDER BY id')
            .toArray()
            .map((r) => r.id),
        };
      });
    const device = { anonymousId: null, deviceId: 'sd_hot_path_02' };
    const first = { ...device, messageId: `msg_first_${n++}` };
    expect(await identifyAt(who, t0, { plan: 'pro' }, first)).toEqual({ status: 'stored', created: true });
    expect(await identifyAt(who, t0 + 1_000, { plan: 'pro' }, first)).toEqual({ status: 'duplicate' });
    const noop = { ...device, messageId: `msg_noop_${n++}` };
    expect(await identifyAt(who, t0 + 2_000, { plan: 'pro' }, noop)).toEqual({ status: 'stored', created: false });
    expect(await identifyAt(who, t0 + 3_000, { plan: 'pro' }, noop)).toEqual({ status: 'stored', created: false });
    expect(await rows()).toEqual({ rev: 1, messages: [first.messageId] });
    // The same id with a change in it is recorded with the change, and is a duplicate from then on.
    expect(await identifyAt(who, t0 + 4_000, { plan: 'team' }, noop)).toEqual({ status: 'stored', created: false });
    expect(await identifyAt(who, t0 + 5_000, { plan: 'team' }, noop)).toEqual({ status: 'duplicate' });
    expect(await rows()).toEqual({ rev: 2, messages: [first.messageId, noop.messageId].sort() });
  });

  it("the object's alarm drops message ids older than the dedupe window (a scan: the ids have no time index)", async () => {
    const who = email();
    const now = Date.now();
    await identifyAt(who, now, { plan: 'pro' });
    const stub = await personByEmail(env, who);
    const ids = () =>
      runInDurableObject(stub, (p: PersonObject) =>
        (p as unknown as { sql: SqlStorage }).sql
          .exec<{ id: string }>('SELECT id FROM messages ORDER BY id')
          .toArray()
          .map((r) => r.id),
      );
    await runInDurableObject(stub, (p: PersonObject) => {
      (p as unknown as { sql: SqlStorage }).sql.exec(
        "INSERT INTO messages (id, at) VALUES ('msg_expired', ?), ('msg_recent', ?)",
        now - 8 * DAY,
        now - 6 * DAY,
      );
    });
    expect(await ids()).toHaveLength(3);
    // The handler itself, on an instance that has not pruned yet (the real alarm may have run already).
    await runInDurableObject(stub, (p: PersonObject) => {
      (p as unknown as { prunedAt: number }).prunedAt = 0;
      return p.alarm();
    });
    expect(await ids()).not.toContain('msg_expired');
    expect(await ids()).toContain('msg_recent');
  });
});
