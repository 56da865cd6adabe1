// A ladder's per-stage weekly counts leave out conversions withdrawn by a retraction (Google Ads
// RETRACTION sent), and never count a retraction row as a conversion; a reversal only recorded
// (Meta takes none) stays counted, as Meta still counts it. The admin's ladder view says how many.
import { describe, expect, it } from 'vitest';
import { destinationById } from '../../collector/objects/doors';
import type { DestinationObject } from '../../collector/objects/destination';
import { api } from './helpers';
import { get, signIn } from './admin-helpers';
import {
  createAudience,
  DAY,
  destination,
  env,
  GOOGLE_SETTINGS,
  json,
  META_SETTINGS,
  send,
  settled,
  turnOn,
  until,
  upsert,
} from './audiences-helpers';

let n = 0;
const email = () => `ladder-retract-${Date.now().toString(36)}-${n++}@example.com`;
const outboxOf = (id: string) => destinationById(env, id) as unknown as DestinationObject;

describe('ladder counts and retractions', { timeout: 120_000 }, () => {
  it('subtract withdrawn conversions per destination and say so', async () => {
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const meta = await destination('meta', META_SETTINGS);
    const tag = `r${Date.now().toString(36)}`;
    const audience = await createAudience({
      name: `${tag} SQL`,
      criteria: { field: 'crm.stage', op: 'eq', value: `sql-${tag}` },
      timestamp: { field: 'crm.sql_at', withinDays: 30 },
    });
    const retractOn = { criteria: { field: 'crm.stage', op: 'eq', value: `lost-${tag}` } };
    await turnOn(audience.id, { destinationId: google, retractOn });
    await turnOn(audience.id, { destinationId: meta, eventName: 'SQL', retractOn });
    await settled(audience.id);
    const res = await send('/api/ladders', 'POST', {
      name: `Retracted ${tag}`,
      stages: [{ name: 'SQL', audienceId: audience.id }],
    });
    const ladder = await json(res);
    expect(res.status, JSON.stringify(ladder)).toBe(201);

    const now = Date.now();
    const people = [email(), email(), email()];
    for (const who of people) await upsert(who, 'crm', { stage: `sql-${tag}`, sql_at: now - DAY }, now);
    const flushed = async (g: (r: any[]) => boolean, m: (r: any[]) => boolean, what: string) =>
      until(
        async () => {
          await outboxOf(google).flushNow();
          await outboxOf(meta).flushNow();
          return [
            await outboxOf(google).log({ audienceId: audience.id, limit: 50 }),
            await outboxOf(meta).log({ audienceId: audience.id, limit: 50 }),
          ];
        },
        ([gr, mr]) => g(gr!) && m(mr!),
        what,
      );
    await flushed(
      (r) => r.filter((x) => x.status === 'sent').length === 3,
      (r) => r.filter((x) => x.status === 'sent').length === 3,
      'the conversions were not sent',
    );
    // One deal is lost: Google's conversion is withdrawn, Meta's reversal recorded.
    await upsert(people[0]!, 'crm', { stage: `lost-${tag}`, sql_at: now - DAY }, now + 1000);
    await flushed(
      (r) => r.some((x) => x.kind === 'retraction' && x.status === 'sent'),
      (r) => r.some((x) => x.kind === 'retraction' && x.skipReason === 'no_retraction'),
      'the retractions were not made',
    );

    const stats = await json(await api(`/api/ladders/${ladder.id}?weeks=4`));
    const [stage] = stats.stages;
    const by = Object.fromEntries(stage.destinations.map((d: any) => [d.destinationId, d]));
    expect(by[google]).toMatchObject({ weekly: [0, 0, 0, 2], retracted: 1 });
    expect(by[meta]).toMatchObject({ weekly: [0, 0, 0, 3], retracted: 0 });
    expect(stage.weekly).toEqual([0, 0, 0, 3]);

    const { cookies } = await signIn();
    const html = await (await get(`/admin/ladders/${encodeURIComponent(ladder.id)}`, cookies)).text();
    expect(html).toContain('withdrawn by retractions, not counted: google_ads test: 1');
    expect(html).toContain('conversions withdrawn by a retraction');
  });
});
