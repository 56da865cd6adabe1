// A conversion is handed off (and its payload built, frozen in the destination's outbox) only once
// the person's pending visitor links are merged: an identify only queues the link, the PersonObject's
// alarm merges the visitor's touches and device about OUTBOX_DELAY_MS later and then hands off. A link
// that cannot be merged holds the hand-off LINK_WAIT_MS at most. A real DestinationObject in dry_run.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hmacHex, personByEmail, personKey } from '../../collector/identity';
import { conversionKey } from '../../collector/delivery/conversion-row';
import { LINK_WAIT_MS } from '../../collector/objects/person-audiences';
import type { PersonStore } from '../../collector/objects/person-store';
import { anonId, collect, identifyEvent, PK, settle, touchEvent } from './helpers';
import { env, history, metaAudience, until } from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

const SIGNING = 'dev-identify-signing-secret';
let n = 0;
const email = () => `handoff-${Date.now().toString(36)}-${n++}@example.com`;

describe('hand-off after the visitor links', { timeout: 120_000 }, () => {
  it("an identify with no touches of its own that makes the person enter sends its visitor's click ID", async () => {
    const { dst, audience, cv } = await metaAudience({
      name: 'signed pro',
      criteria: { field: 'signed_traits.plan', op: 'eq', value: 'pro' },
      timestamp: { field: 'signed_traits.pro_at', withinDays: 7 },
    });
    // The browser's ad click, before anyone knows who it is: stored in its visitor.
    const anon = anonId();
    const fbclid = `IwAR_handoff_${Math.random().toString(36).slice(2, 10)}`;
    const clickedAt = Date.now() - 60_000;
    expect(
      (
        await collect({
          key: PK,
          events: [touchEvent(anon, [{ kind: 'fbclid', value: fbclid, firstSeen: clickedAt }])],
        })
      ).status,
    ).toBe(200);
    // The signed identify from that browser, with no touches of its own, makes the person enter.
    const who = email();
    const signature = await hmacHex(SIGNING, who);
    const traits = { plan: 'pro', pro_at: new Date().toISOString() };
    expect(
      (await collect({ key: PK, events: [identifyEvent(who, { anonymousId: anon, touches: [], traits, signature })] }))
        .status,
    ).toBe(200);
    await settle(who);
    const row = await until(
      async () => (await history(who, audience.id)).conversions[0],
      (r) => r !== undefined,
      'no conversion row',
    );
    const outbox = destinationById(env, dst);
    const key = await conversionKey(row.entryId, cv);
    const entry = await until(
      () => outbox.logEntry(key),
      (e) => e !== null,
      'not handed off',
    );
    expect((entry!.event as any).user_data.fbc).toBe(`fb.1.${clickedAt}.${fbclid}`);
  });

  it('waits for a pending link while it is younger than LINK_WAIT_MS, then hands off without it', async () => {
    const { dst, audience, cv } = await metaAudience({
      name: 'link wait',
      criteria: { field: 'crm.wait_status', op: 'eq', value: 'mql' },
      timestamp: { field: 'crm.wait_at', withinDays: 7 },
    });
    const who = email();
    const now = Date.now();
    const stub = await personByEmail(env, who);
    const key = await personKey(env, who);
    // The CRM makes them MQL while a link is pending that the alarm keeps failing to merge (as with
    // the registry down). Written in the object with no alarm armed: the alarm would drop this id
    // (no visitor registered it) and hand off.
    await runInDurableObject(stub, (person, state) => {
      const p = person as unknown as { ensureSchema(): void; store: PersonStore };
      p.ensureSchema();
      state.storage.transactionSync(() => {
        p.store.upsertPerson(key, who, now);
        p.store.queueLink(anonId(), now);
        p.store.mergeAttributes('crm', { wait_status: 'mql', wait_at: new Date(now).toISOString() }, now, {
          always: true,
        });
      });
    });
    const outbox = destinationById(env, dst);
    const entered = await stub.evaluateAudiences(now + 1000);
    expect(entered.entries.filter((e) => e.audienceId === audience.id)).toHaveLength(1);
    const outboxKey = await conversionKey(entered.entries.find((e) => e.audienceId === audience.id)!.id, cv);
    expect((await history(who, audience.id)).conversions).toMatchObject([{ status: 'pending' }]);
    expect(await outbox.logEntry(outboxKey)).toBeNull();
    // Still inside the wait: held.
    await stub.evaluateAudiences(now + LINK_WAIT_MS - 1);
    expect(await outbox.logEntry(outboxKey)).toBeNull();
    // The wait is over: handed off with what the person has (their email).
    await stub.evaluateAudiences(now + LINK_WAIT_MS);
    const entry = await outbox.logEntry(outboxKey);
    expect(entry).not.toBeNull();
    expect((entry!.event as any).user_data.em).toBeDefined();
  });
});
