// Retractions where operators look: the member audit (GET /api/audiences/{id}/members and its admin
// page) shows, per conversion, where the counting entry's retraction stands: withdrawn at the
// platform, recorded only (no retraction there), or still pending in the outbox. A member who left
// with a reversal and came back under `once` keeps their first entry, so its retraction is theirs.
import { describe, expect, it } from 'vitest';
import { destinationById } from '../../collector/objects/doors';
import type { DestinationObject } from '../../collector/objects/destination';
import { personByEmail } from '../../collector/identity';
import { get, signIn } from './admin-helpers';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  env,
  GOOGLE_SETTINGS,
  json,
  META_SETTINGS,
  mql,
  send,
  settled,
  turnOn,
  until,
  upsert,
} from './audiences-helpers';

let n = 0;
const email = () => `retract-view-${Date.now().toString(36)}-${n++}@example.com`;
const outboxOf = (id: string) => destinationById(env, id) as unknown as DestinationObject;
const retractOn = { criteria: { field: 'crm.lifecycle', op: 'eq', value: 'disqualified' } };

describe('the member audit shows retractions', { timeout: 120_000 }, () => {
  it('sent at Google, recorded at Meta, pending while the outbox holds it; none for a member never reversed', async () => {
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const meta = await destination('meta', META_SETTINGS);
    const audience = await createAudience(mql(7, { name: 'retraction views', reentry: 'once' }));
    const gcv = await turnOn(audience.id, { destinationId: google, retractOn });
    const mcv = await turnOn(audience.id, { destinationId: meta, eventName: 'MQL', retractOn });
    await settled(audience.id);
    const now = Date.now();
    const mqlAt = now - 2 * DAY;
    const [withdrawn, waiting, steady] = [email(), email(), email()];
    const sent = async (who: string) => {
      const entryId = (await (await personByEmail(env, who)).audienceHistory()).entries.find(
        (e) => e.audienceId === audience.id,
      )!.id;
      await until(
        async () => {
          await outboxOf(google).flushNow();
          await outboxOf(meta).flushNow();
          return [
            await outboxOf(google).logEntry(entryId),
            (await outboxOf(meta).log({ audienceId: audience.id, limit: 50 })).find((r) => r.entryId === entryId),
          ];
        },
        ([g, m]) => g?.status === 'sent' && m?.status === 'sent',
        'the conversions were not sent',
      );
    };
    for (const who of [withdrawn, waiting, steady]) {
      await upsert(who, 'crm', { lifecycle: 'mql', mql_at: mqlAt }, now);
      await sent(who);
    }
    // Disqualified, then back to MQL with the same timestamp: a member again, on the same entry.
    await upsert(withdrawn, 'crm', { lifecycle: 'disqualified', mql_at: mqlAt }, now + 1000);
    await until(
      async () => {
        await outboxOf(google).flushNow();
        await outboxOf(meta).flushNow();
        const rows = await outboxOf(google).log({ audienceId: audience.id, limit: 50 });
        return rows.filter((r) => r.kind === 'retraction' && r.status === 'sent').length;
      },
      (k) => k === 1,
      'the retraction was not sent',
    );
    await upsert(withdrawn, 'crm', { lifecycle: 'mql', mql_at: mqlAt }, now + 2000);
    // This one's retraction is handed off but held in the outbox: its conversion is paused now.
    const paused = await send(`/api/audiences/${audience.id}/conversions/${gcv.id}`, 'PATCH', { paused: true });
    expect(paused.status).toBe(200);
    await upsert(waiting, 'crm', { lifecycle: 'disqualified', mql_at: mqlAt }, now + 1000);
    await upsert(waiting, 'crm', { lifecycle: 'mql', mql_at: mqlAt }, now + 2000);

    const out = await json(await api(`/api/audiences/${audience.id}/members?limit=50`));
    const of = (who: string, cv: string) =>
      out.members.find((m: any) => m.email === who)?.conversions.find((c: any) => c.conversionId === cv);
    expect(of(withdrawn, gcv.id).retraction).toMatchObject({ state: 'sent' });
    expect(of(withdrawn, mcv.id).retraction).toMatchObject({ state: 'no_retraction' });
    expect(of(waiting, gcv.id).retraction).toMatchObject({ state: 'pending' });
    expect(of(steady, gcv.id).retraction).toBeNull();
    expect(of(steady, mcv.id).retraction).toBeNull();

    const { cookies } = await signIn();
    const html = await (await get(`/admin/audiences/${audience.id}/members`, cookies)).text();
    expect(html).toContain('sent: the conversion was withdrawn');
    expect(html).toContain('recorded only: the platform takes no retraction');
    expect(html).toContain('pending in the outbox');
  });
});
