import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { entryId } from '../../shared/criteria';
import { personByEmail, personKey } from '../../collector/identity';
import type { PersonObject } from '../../collector/objects/person';
import type { DestinationObject } from '../../collector/objects/destination';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  history as historyOf,
  identify,
  json,
  legacyConversion,
  META_SETTINGS,
  mql,
  only,
  send,
  settled,
  turnOn,
  until,
  upsert as upsertAll,
} from './audiences-helpers';
import { env } from './audiences-helpers';

const MIN = 60_000;
let n = 0;
const email = () => `entry-${Date.now().toString(36)}-${n++}@example.com`;
const sec = (ms: number) => Math.floor(ms / 1000);
// Audiences of earlier tests share the storage: every check narrows to the test's own audience.
let current = '';
const history = (who: string) => historyOf(who, current);
const upsert = async (who: string, source: string, data: Record<string, unknown>, now: number) =>
  only(await upsertAll(who, source, data, now), current);
const track = <T extends { id: string }>(a: T): T => ((current = a.id), a);

describe('entries', { timeout: 60_000 }, () => {
  it('records an entry (audience, person, timestamp in seconds) with the sha256 id, and an exit with its time', async () => {
    const audience = track(await createAudience(mql(7)));
    const who = email();
    const now = Date.now();
    const ts = now - 2 * DAY;
    const first = await upsert(who, 'crm', { lifecycle: 'MQL', mql_at: new Date(ts).toISOString() }, now);
    expect(first.members).toContain(audience.id);
    const key = await personKey(env, who);
    const expectedId = await entryId(audience.id, key, sec(ts));
    expect(first.entries).toEqual([{ id: expectedId, audienceId: audience.id, timestamp: sec(ts), enteredAt: now }]);

    const out = await upsert(who, 'crm', { lifecycle: 'customer' }, now + MIN);
    expect(out.exits).toEqual([{ audienceId: audience.id, reason: 'criteria' }]);
    const h = await history(who);
    expect(h.exits.filter((e) => e.audienceId === audience.id)).toEqual([
      { audienceId: audience.id, at: now + MIN, reason: 'criteria', timestampMs: ts },
    ]);
  });

  it('enters once when the status flips back and forth with the same timestamp, in any format', async () => {
    const audience = track(await createAudience(mql(30, { reentry: 'per_timestamp' })));
    const who = email();
    const now = Date.now();
    const instant = Math.floor((now - 3 * DAY) / 1000) * 1000;
    const forms = [
      new Date(instant).toISOString().replace('.000Z', 'Z'),
      new Date(instant).toISOString(),
      instant,
      String(instant),
      instant / 1000,
    ];
    let t = now;
    for (const form of forms) {
      await upsert(who, 'crm', { lifecycle: 'mql', mql_at: form }, (t += MIN));
      await upsert(who, 'crm', { lifecycle: 'lead' }, (t += MIN));
    }
    const entries = (await history(who)).entries.filter((e) => e.audienceId === audience.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.timestamp).toBe(instant / 1000);

    // A new timestamp is a new entry under per_timestamp.
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: instant + DAY }, (t += MIN));
    expect((await history(who)).entries.filter((e) => e.audienceId === audience.id)).toHaveLength(2);
  });

  it('under once, a later timestamp does not make a second entry', async () => {
    const audience = track(await createAudience(mql(30)));
    const who = email();
    const now = Date.now();
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: now - 5 * DAY }, now);
    await upsert(who, 'crm', { lifecycle: 'lead' }, now + MIN);
    const again = await upsert(who, 'crm', { lifecycle: 'mql', mql_at: now - DAY }, now + 2 * MIN);
    expect(again.members).toContain(audience.id);
    expect(again.entries).toEqual([]);
    expect((await history(who)).entries.filter((e) => e.audienceId === audience.id)).toHaveLength(1);
  });

  it('ignores browser traits unless the audience opts in', async () => {
    const strict = track(
      await createAudience({ ...mql(7), criteria: { field: 'crm.lifecycle', op: 'eq', value: 'mql' } }),
    );
    const open = track(
      await createAudience({
        name: 'traits',
        criteria: { field: 'traits.lifecycle', op: 'eq', value: 'mql' },
        timestamp: { field: 'traits.mql_at', withinDays: 7 },
        allowTraits: true,
      }),
    );
    const who = email();
    const now = Date.now();
    // Traits shaped like CRM data must not satisfy a CRM audience.
    await identify(who, { lifecycle: 'mql', mql_at: new Date(now - DAY).toISOString(), crm: { lifecycle: 'mql' } });
    expect((await historyOf(who, open.id)).entries).toHaveLength(1);
    expect((await historyOf(who, strict.id)).entries).toEqual([]);
  });
});

describe('time windows and boundaries', { timeout: 60_000 }, () => {
  it('never enters on a backfilled timestamp outside the window, even with a conversion on', async () => {
    const audience = track(await createAudience(mql(7)));
    await turnOn(audience.id, { destinationId: await destination('meta', META_SETTINGS), eventName: 'Lead' });
    const who = email();
    const now = Date.now();
    const r = await upsert(who, 'crm', { lifecycle: 'mql', mql_at: new Date(now - 8 * DAY).toISOString() }, now);
    expect(r.members).not.toContain(audience.id);
    const h = await history(who);
    expect(h.entries).toEqual([]);
    expect(h.conversions).toEqual([]);
  });

  it('sets an alarm for a future timestamp coming into range, and enters when it does', async () => {
    const audience = track(await createAudience(mql(7)));
    // Populate evaluates everyone known at the real clock: let it finish before this person exists,
    // or it may re-evaluate them between the simulated times below.
    await settled(audience.id);
    const who = email();
    const now = Date.now();
    const ts = now + 2 * DAY;
    const r = await upsert(who, 'crm', { lifecycle: 'mql', mql_at: ts }, now);
    expect(r.members).not.toContain(audience.id);
    expect(r.nextBoundary).toBe(ts - 5 * MIN);
    const stub = await personByEmail(env, who);
    // The upsert armed the object's real alarm (directory sync, 500 ms), which re-evaluates at the real
    // clock; run it now so it cannot land between the evaluations at the simulated times below. On a
    // slow machine it may already be running: then this runs nothing, and the alarm it leaves is
    // the audience's boundary, set as it ends.
    await runDurableObjectAlarm(stub);
    const alarm = await until(
      () => runInDurableObject(stub, (p: PersonObject) => p['ctx'].storage.getAlarm()),
      (at) => at !== null && at > Date.now() + DAY,
      "the audience's boundary as the alarm",
    );
    expect(alarm).toBeLessThanOrEqual(ts - 5 * MIN);
    const evaluate = async (t: number) => only(await stub.evaluateAudiences(t), audience.id);
    // 5 minutes early counts (clock drift), one ms earlier does not.
    expect((await evaluate(ts - 5 * MIN - 1)).members).not.toContain(audience.id);
    const at = await evaluate(ts - 5 * MIN);
    expect(at.entries.map((e) => [e.audienceId, e.timestamp])).toEqual([[audience.id, sec(ts)]]);
    // Next boundary: the window running out.
    expect(at.nextBoundary).toBe(ts + 7 * DAY + 1);
    const out = await evaluate(ts + 7 * DAY + 1);
    expect(out.exits).toEqual([{ audienceId: audience.id, reason: 'timestamp_too_old' }]);
  });

  it('the alarm itself re-evaluates (membership follows time without new data)', async () => {
    const audience = track(await createAudience(mql(7)));
    const who = email();
    const now = Date.now();
    const ts = now + 5 * MIN + 1500; // comes into range 1.5 s from now
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: ts }, now);
    const stub = await personByEmail(env, who);
    await new Promise((r) => setTimeout(r, 2500));
    const deadline = Date.now() + 10_000;
    let entries = (await history(who)).entries;
    while (!entries.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      entries = (await history(who)).entries;
    }
    expect(entries.map((e) => e.audienceId)).toEqual([audience.id]);
  });
});

describe('go-live', { timeout: 60_000 }, () => {
  it('existing entries get rows on turn-on when still inside the window; sendExisting: false skips them; later entries are pending', async () => {
    const audience = track(await createAudience(mql(7)));
    const now = Date.now();
    const recent = email();
    const older = email();
    await upsert(recent, 'crm', { lifecycle: 'mql', mql_at: now - DAY }, now);
    await upsert(older, 'crm', { lifecycle: 'mql', mql_at: now - 7.1 * DAY }, now - 0.2 * DAY);
    // Nothing is made (so nothing sent) without a conversion.
    expect((await history(recent)).conversions).toEqual([]);

    const on = await turnOn(audience.id, { destinationId: await destination('meta', META_SETTINGS) });
    const off = await turnOn(audience.id, {
      destinationId: await destination('meta', META_SETTINGS),
      sendExisting: false,
    });
    await settled(audience.id);
    const rows = (await history(recent)).conversions;
    expect(rows.map((r) => [r.conversionId, r.status, r.reason]).sort()).toEqual(
      [
        [on.id, 'pending', null],
        [off.id, 'skipped', 'existing_entry'],
      ].sort(),
    );
    // The older entry was 6.9 days old when it happened and is 7.1 days old at turn-on: outside the window.
    const olderRows = (await history(older)).conversions.filter((r) => r.conversionId === on.id);
    expect(olderRows.map((r) => [r.status, r.reason])).toEqual([['skipped', 'outside_window']]);

    const later = email();
    await upsert(later, 'crm', { lifecycle: 'mql', mql_at: now }, Date.now());
    const laterRows = (await history(later)).conversions;
    expect(laterRows.map((r) => r.status).sort()).toEqual(['pending', 'pending']);
    const entry = (await history(later)).entries[0]!;
    expect(laterRows[0]).toMatchObject({
      entryId: entry.id,
      id: `${entry.id}:${laterRows[0]!.conversionId}`,
      audienceId: audience.id,
      timestamp: entry.timestamp,
    });
  });

  it('pausing holds rows; resuming releases those still inside the window; deleting the audience cancels them', async () => {
    const audience = track(await createAudience(mql(7)));
    const conversion = await turnOn(audience.id, { destinationId: await destination('meta', META_SETTINGS) });
    await send(`/api/audiences/${audience.id}`, 'PATCH', { paused: true });
    await settled(audience.id);
    const who = email();
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    expect((await history(who)).conversions.map((r) => r.status)).toEqual(['paused']);

    await send(`/api/audiences/${audience.id}`, 'PATCH', { paused: false });
    await settled(audience.id);
    expect((await history(who)).conversions.map((r) => [r.conversionId, r.status])).toEqual([
      [conversion.id, 'pending'],
    ]);

    const del = await json(await api(`/api/audiences/${audience.id}`, { method: 'DELETE' }));
    expect(del.sweep).toBeTruthy();
    const deadline = Date.now() + 30_000;
    let rows = (await history(who)).conversions;
    while (rows[0]?.status !== 'cancelled' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      rows = (await history(who)).conversions;
    }
    expect(rows.map((r) => r.status)).toEqual(['cancelled']);
    expect((await history(who)).entries).toHaveLength(1); // entries stay as history
  });

  it('editing criteria never re-fires an entry that already happened', async () => {
    const audience = track(await createAudience(mql(30)));
    await turnOn(audience.id, { destinationId: await destination('meta', META_SETTINGS) });
    const who = email();
    const ts = Date.now() - DAY;
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: ts, score: 10 }, Date.now());
    expect((await history(who)).entries).toHaveLength(1);
    for (const value of [50, 5, 1]) {
      await send(`/api/audiences/${audience.id}`, 'PATCH', {
        criteria: {
          all: [
            { field: 'crm.lifecycle', op: 'eq', value: 'mql' },
            { field: 'crm.score', op: 'gte', value },
          ],
        },
      });
      await settled(audience.id);
    }
    const h = await history(who);
    expect(h.entries).toHaveLength(1);
    expect(h.conversions).toHaveLength(1);
    expect(h.exits.length).toBeGreaterThanOrEqual(1);
  });
});

describe('hand-off to delivery', { timeout: 60_000 }, () => {
  it("gives pending rows to the destination outbox once it is configured, keyed by the entry id (Meta's default event), with its origin and the entry id as event id", async () => {
    const { destinationById } = await import('../../collector/objects/doors');
    const destinationId = `dst_handoff_${Date.now()}`;
    const audience = track(await createAudience(mql(7)));
    // Turn-on refuses a destination that is not configured (audiences-api.test.ts): this one is made
    // as before that check, to show a row waits for its destination and is handed off once it answers.
    const cv = await legacyConversion(audience.id, { destinationId, eventName: 'Lead' });
    const who = email();
    // Not configured yet: the row stays pending and unhanded.
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    const stub = await personByEmail(env, who);
    const handed = () =>
      runInDurableObject(
        stub,
        (_p: PersonObject, state) =>
          state.storage.sql
            .exec<{ handed_off_at: number | null }>(
              'SELECT handed_off_at FROM conversions WHERE audience_id = ?',
              audience.id,
            )
            .one().handed_off_at,
      );
    expect(await handed()).toBeNull();

    const destination = destinationById(env, destinationId) as unknown as DestinationObject;
    const cfg = await destination.configure({
      id: destinationId,
      type: 'meta',
      mode: 'dry_run',
      settings: { pixelId: '123456789012345', accessToken: 'EAAB-test-token' },
    });
    expect(cfg.ok).toBe(true);
    // The next evaluation (any change, the alarm, a sweep) offers it again.
    await stub.evaluateAudiences(Date.now());
    expect(await handed()).not.toBeNull();
    const entry = (await history(who)).entries[0]!;
    // Keyed by what Meta counts by: the event id alone for the default 'Lead' event.
    const logged = await destination.logEntry(entry.id);
    expect(logged).toMatchObject({
      key: entry.id,
      audienceId: audience.id,
      conversionId: cv.id,
      event: { event_id: entry.id },
    });
    // Offered again, it is not queued twice.
    await stub.evaluateAudiences(Date.now());
    expect((await destination.log({ limit: 50 })).filter((r) => r.key.startsWith(entry.id))).toHaveLength(1);
  });
});
