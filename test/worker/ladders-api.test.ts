// /api/ladders: a stage ladder from a template or from existing audiences, one conversion per stage
// and destination with its own event name or conversion action, refusals that name the problem and
// leave nothing behind, re-ordering, deleting with or without the audiences, and per-stage weekly
// counts and value sums read from the destinations' delivery logs.
import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  GOOGLE_SETTINGS,
  history,
  json,
  META_SETTINGS,
  send,
  settled,
  upsert,
} from './audiences-helpers';

let n = 0;
const email = () => `ladder-${Date.now().toString(36)}-${n++}@example.com`;
const audienceIds = async (): Promise<string[]> =>
  (await json(await api('/api/audiences'))).audiences.map((a: any) => a.id);

async function created(body: unknown): Promise<any> {
  const res = await send('/api/ladders', 'POST', body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

async function refused(body: unknown, path: string, message: RegExp): Promise<void> {
  const before = await audienceIds();
  const res = await send('/api/ladders', 'POST', body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(400);
  expect(out.error.code).toBe('invalid_ladder');
  expect(out.error.issues, JSON.stringify(out)).toContainEqual({ path, message: expect.stringMatching(message) });
  // A refused ladder creates no audience (and so no conversion).
  expect(await audienceIds()).toEqual(before);
}

describe('/api/ladders', { timeout: 120_000 }, () => {
  it('the HubSpot template makes five stages in funnel order, each sending its own Meta event with the deal amount', async () => {
    const meta = await destination('meta', META_SETTINGS);
    const out = await created({
      name: 'HubSpot funnel',
      template: { source: 'hubspot', withinDays: 30 },
      send: [
        {
          destinationId: meta,
          currency: 'USD',
          stages: { opportunity: { valueField: 'crm.deal.amount' }, won: { valueField: 'crm.deal.amount' } },
        },
      ],
    });
    expect(out.id).toMatch(/^lad_/);
    expect(out.stages.map((s: any) => [s.key, s.name])).toEqual([
      ['lead', 'Lead'],
      ['mql', 'MQL'],
      ['sql', 'SQL'],
      ['opportunity', 'Opportunity'],
      ['won', 'Won'],
    ]);
    expect(out.createdAudiences).toEqual(out.stages.map((s: any) => s.audienceId));

    const sqlStage = await json(await api(`/api/audiences/${out.stages[2].audienceId}`));
    expect(sqlStage).toMatchObject({
      criteria: {
        field: 'hubspot.lifecyclestage',
        op: 'in',
        value: ['salesqualifiedlead', 'opportunity', 'customer', 'evangelist'],
      },
      timestamp: { field: 'hubspot.hs_lifecyclestage_salesqualifiedlead_date', withinDays: 30 },
    });
    const events = [];
    for (const s of out.stages) {
      const { conversions } = await json(await api(`/api/audiences/${s.audienceId}/conversions`));
      expect(conversions).toHaveLength(1);
      events.push(conversions[0]);
    }
    expect(events.map((c) => c.eventName)).toEqual(['Lead', 'MQL', 'SQL', 'Opportunity', 'Won']);
    expect(events.map((c) => c.valueField ?? null)).toEqual([null, null, null, 'crm.deal.amount', 'crm.deal.amount']);
    expect(events.map((c) => c.currency ?? null)).toEqual([null, null, null, 'USD', 'USD']);
    expect(events.every((c) => c.destinationId === meta)).toBe(true);

    const listed = await json(await api('/api/ladders'));
    expect(listed.ladders.find((l: any) => l.id === out.id)).toMatchObject({
      name: 'HubSpot funnel',
      stages: out.stages,
    });
  });

  it('refuses what cannot work, naming the problem, and creates nothing', async () => {
    const meta = await destination('meta', META_SETTINGS);
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const existing = await createAudience({
      name: 'ladder stage',
      criteria: { field: 'crm.x', op: 'exists' },
      timestamp: { field: 'crm.x_at', withinDays: 7 },
    });
    await refused(
      { name: 'x', template: { source: 'crm' }, stages: [{ name: 'A', audienceId: existing.id }] },
      'stages',
      /either stages or template/,
    );
    await refused(
      { name: 'x', template: { source: 'crm' }, send: [{ destinationId: meta, valueField: 'crm.deal.amount' }] },
      'send[0].currency',
      /a value needs its currency/,
    );
    await refused(
      { name: 'x', template: { source: 'crm' }, send: [{ destinationId: meta, value: 5, currency: 'usd' }] },
      'send[0].currency',
      /ISO 4217/,
    );
    await refused(
      { name: 'x', template: { source: 'crm' }, send: [{ destinationId: 'dst_nope' }] },
      'send[0].destinationId',
      /no destination dst_nope is configured/,
    );
    await refused(
      {
        name: 'x',
        template: { source: 'crm' },
        send: [{ destinationId: meta, stages: { demo: { eventName: 'Demo' } } }],
      },
      'send[0].stages.demo',
      /no stage "demo"/,
    );
    // Google counts by conversion action: five stages on the destination's one default action would be one conversion.
    await refused(
      { name: 'x', template: { source: 'crm' }, send: [{ destinationId: google }] },
      'send[0].stages.mql.conversionAction',
      /stages "lead" and "mql" would both send the destination's default conversion action/,
    );
    await refused(
      {
        name: 'x',
        template: { source: 'crm' },
        send: [{ destinationId: meta, stages: { sql: { eventName: 'MQL' } } }],
      },
      'send[0].stages.sql.eventName',
      /both send event "MQL"/,
    );
    // Inline conversions count too: a stage's own and a send entry's.
    await refused(
      {
        name: 'x',
        stages: [
          { key: 'a', name: 'A', audienceId: existing.id, conversions: [{ destinationId: meta, eventName: 'Same' }] },
          {
            key: 'b',
            name: 'B',
            audience: {
              name: 'b',
              criteria: { field: 'crm.b', op: 'exists' },
              timestamp: { field: 'crm.b_at', withinDays: 7 },
            },
          },
        ],
        send: [{ destinationId: meta, stages: { a: { send: false }, b: { eventName: 'Same' } } }],
      },
      'send[0].stages.b.eventName',
      /stages "a" and "b" would both send event "Same"/,
    );
    await refused(
      {
        name: 'x',
        stages: [
          { name: 'A', audienceId: existing.id, conversions: [{ destinationId: meta, valueField: 'crm.deal.amount' }] },
        ],
      },
      'stages[0].conversions[0].currency',
      /a value needs its currency/,
    );
    await refused(
      { name: 'x', stages: [{ name: 'A', audienceId: 'aud_missing' }] },
      'stages[0].audienceId',
      /no audience aud_missing/,
    );
    await refused(
      {
        name: 'x',
        stages: [
          { name: 'A', audienceId: existing.id },
          { name: 'B', audienceId: existing.id },
        ],
      },
      'stages[1].audienceId',
      /already a stage/,
    );
    await refused({ name: 'x', stages: [{ name: 'A' }] }, 'stages[0].audienceId', /either audienceId/);
    await refused(
      {
        name: 'x',
        stages: [
          {
            name: 'A',
            audience: {
              name: 'bad',
              criteria: { field: 'crm.x', op: 'equals', value: 1 },
              timestamp: { field: 'crm.x_at', withinDays: 7 },
            },
          },
        ],
      },
      'stages[0].audience.criteria.op',
      /unknown operator/,
    );

    // With a conversion action per stage, Google is fine.
    const actions = Object.fromEntries(
      ['lead', 'mql', 'sql', 'opportunity', 'won'].map((k, i) => [k, { conversionAction: String(100 + i) }]),
    );
    const ok = await created({
      name: 'Google funnel',
      template: { source: 'crm', withinDays: 14 },
      send: [{ destinationId: google, valueField: 'crm.deal.amount', currency: 'EUR', stages: actions }],
    });
    const won = await json(await api(`/api/audiences/${ok.stages[4].audienceId}/conversions`));
    expect(won.conversions).toMatchObject([
      { destinationId: google, conversionAction: '104', valueField: 'crm.deal.amount', currency: 'EUR' },
    ]);
    expect(won.conversions[0].eventName).toBeUndefined();

    const bad = await send('/api/ladders', 'POST', '{"name":');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBeTypeOf('string');
  });

  it('turns one more destination on for every stage of a ladder, checked against what the stages send already', async () => {
    const meta = await destination('meta', META_SETTINGS);
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const ladder = await created({ name: 'Later', template: { source: 'crm', stages: ['mql', 'sql', 'won'] } });
    for (const s of ladder.stages)
      expect((await json(await api(`/api/audiences/${s.audienceId}/conversions`))).conversions).toEqual([]);

    const on = await send(`/api/ladders/${ladder.id}/send`, 'POST', {
      destinationId: meta,
      currency: 'USD',
      stages: { won: { valueField: 'crm.deal.amount' } },
    });
    const out = await json(on);
    expect(on.status, JSON.stringify(out)).toBe(201);
    expect(out.conversionsOn).toEqual(ladder.stages.map((s: any) => s.audienceId));
    const sent = [];
    for (const s of ladder.stages)
      sent.push(...(await json(await api(`/api/audiences/${s.audienceId}/conversions`))).conversions);
    expect(sent.map((c) => [c.destinationId, c.eventName, c.valueField ?? null, c.currency ?? null])).toEqual([
      [meta, 'MQL', null, null],
      [meta, 'SQL', null, null],
      [meta, 'Won', 'crm.deal.amount', 'USD'],
    ]);

    const again = await send(`/api/ladders/${ladder.id}/send`, 'POST', { destinationId: meta });
    expect(again.status).toBe(400);
    expect((await json(again)).error).toMatchObject({
      code: 'invalid_ladder',
      message: `stages.mql.eventName: stage "mql" already sends event "MQL" to ${meta}`,
    });
    const clash = await send(`/api/ladders/${ladder.id}/send`, 'POST', {
      destinationId: google,
      stages: { mql: { conversionAction: '9' }, sql: { conversionAction: '9' }, won: { conversionAction: '10' } },
    });
    expect((await json(clash)).error.issues).toContainEqual({
      path: 'stages.sql.conversionAction',
      message: `stages "mql" and "sql" would both send conversion action 9 to ${google}: give each stage its own conversionAction`,
    });
    expect((await send(`/api/ladders/${ladder.id}/send`, 'POST', { destinationId: 'dst_nope' })).status).toBe(400);
    expect(
      (await send(`/api/ladders/${ladder.id}/send`, 'POST', { destinationId: meta, stages: { lead: {} } })).status,
    ).toBe(400);
    expect((await send('/api/ladders/lad_missing/send', 'POST', { destinationId: meta })).status).toBe(404);
    // Refusals turned nothing on.
    for (const s of ladder.stages)
      expect((await json(await api(`/api/audiences/${s.audienceId}/conversions`))).conversions).toHaveLength(1);

    // A stage whose audience was deleted must leave the ladder before more is turned on.
    expect((await api(`/api/audiences/${ladder.stages[1].audienceId}`, { method: 'DELETE' })).status).toBe(200);
    const gone = await send(`/api/ladders/${ladder.id}/send`, 'POST', {
      destinationId: google,
      stages: { mql: { conversionAction: '1' }, sql: { conversionAction: '2' }, won: { conversionAction: '3' } },
    });
    expect((await json(gone)).error.message).toMatch(
      /^stages\[1\]: the audience of stage "sql" \(aud_\w+\) was deleted/,
    );
    const stats = await json(await api(`/api/ladders/${ladder.id}`));
    expect(stats.stages[1]).toMatchObject({ key: 'sql', audience: null, conversions: [], verdict: 'no_data' });
  });

  it('re-orders and renames stages, and deletes a ladder with or without its audiences', async () => {
    const def = (name: string) => ({
      name,
      criteria: { field: 'crm.stage', op: 'eq', value: name },
      timestamp: { field: `crm.${name}_at`, withinDays: 7 },
    });
    const [a, b] = [await createAudience(def('a')), await createAudience(def('b'))];
    // An audience that sends already keeps exactly its conversion; another destination is added beside it.
    const meta = await destination('meta', META_SETTINGS);
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const cv = await json(
      await send(`/api/audiences/${a.id}/conversions`, 'POST', { destinationId: meta, eventName: 'First' }),
    );
    const ladder = await created({
      name: 'Two',
      stages: [
        { name: 'First', audienceId: a.id },
        { key: 'second', name: 'Second', audienceId: b.id },
      ],
      send: [
        { destinationId: google, stages: { first: { conversionAction: '1' }, second: { conversionAction: '2' } } },
      ],
    });
    const onA = (await json(await api(`/api/audiences/${a.id}/conversions`))).conversions;
    expect(onA.map((c: any) => [c.id === cv.id, c.destinationId, c.eventName ?? c.conversionAction])).toEqual([
      [true, meta, 'First'],
      [false, google, '1'],
    ]);
    expect(ladder.stages).toEqual([
      { key: 'first', name: 'First', audienceId: a.id },
      { key: 'second', name: 'Second', audienceId: b.id },
    ]);

    const patched = await send(`/api/ladders/${ladder.id}`, 'PATCH', {
      name: 'Two, swapped',
      stages: [
        { name: 'Second', audienceId: b.id },
        { name: 'First', audienceId: a.id },
      ],
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({
      name: 'Two, swapped',
      stages: [
        { key: 'second', audienceId: b.id },
        { key: 'first', audienceId: a.id },
      ],
    });
    const badPatch = await send(`/api/ladders/${ladder.id}`, 'PATCH', {
      stages: [{ name: 'X', audienceId: 'aud_gone' }],
    });
    expect(badPatch.status).toBe(400);
    expect((await json(badPatch)).error).toMatchObject({
      code: 'invalid_ladder',
      message: 'stages[0].audienceId: no audience aud_gone',
    });
    expect((await send(`/api/ladders/${ladder.id}`, 'PATCH', { colour: 'red' })).status).toBe(400);
    expect((await send('/api/ladders/lad_missing', 'PATCH', { name: 'x' })).status).toBe(404);

    // Deleting the ladder alone keeps its audiences.
    expect((await send(`/api/ladders/${ladder.id}`, 'DELETE', undefined)).status).toBe(200);
    expect((await api(`/api/ladders/${ladder.id}`)).status).toBe(404);
    expect((await api(`/api/audiences/${a.id}`)).status).toBe(200);

    const again = await created({
      name: 'Again',
      stages: [
        { name: 'A', audienceId: a.id },
        { name: 'B', audienceId: b.id },
      ],
    });
    expect((await api(`/api/ladders/${again.id}?deleteAudiences=yes`, { method: 'DELETE' })).status).toBe(400);
    const gone = await json(await api(`/api/ladders/${again.id}?deleteAudiences=true`, { method: 'DELETE' }));
    expect(gone).toEqual({ deleted: true, id: again.id, deletedAudiences: [a.id, b.id] });
    expect((await api(`/api/audiences/${a.id}`)).status).toBe(404);
    expect((await api(`/api/ladders/${again.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('counts each stage per week from the delivery log, with value sums and the rarity hint', async () => {
    const meta = await destination('meta', META_SETTINGS);
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const tag = `s${Date.now().toString(36)}`;
    const def = (stage: string) => ({
      name: `${tag} ${stage}`,
      criteria: { field: 'crm.tag', op: 'eq', value: tag },
      timestamp: { field: `crm.${stage}_at`, withinDays: 30 },
    });
    const [lead, won] = [await createAudience(def('lead')), await createAudience(def('won'))];
    const ladder = await created({
      name: 'Counted',
      stages: [
        { name: 'Lead', audienceId: lead.id },
        { name: 'Won', audienceId: won.id },
      ],
      send: [
        { destinationId: meta, currency: 'USD', stages: { won: { valueField: 'crm.deal.amount' } } },
        {
          destinationId: google,
          stages: { lead: { conversionAction: '11' }, won: { conversionAction: '12', send: false } },
        },
      ],
    });
    await Promise.all([settled(lead.id), settled(won.id)]);
    const now = Date.now();
    const people = [email(), email(), email()];
    for (const [i, who] of people.entries()) {
      await upsert(
        who,
        'crm',
        {
          tag,
          lead_at: now - DAY,
          ...(i < 2 ? { won_at: now - 3600_000, deal: { amount: i === 0 ? '12,500.00' : 7500 } } : {}),
        },
        now,
      );
    }
    expect((await history(people[0]!, won.id)).conversions).toHaveLength(1);
    // A lead from 10 days ago, sent now: too old for Meta (7 days), counted in its own week at Google.
    await upsert(email(), 'crm', { tag, lead_at: now - 10 * DAY }, now);

    const res = await api(`/api/ladders/${ladder.id}?weeks=4`);
    const stats = await json(res);
    expect(res.status, JSON.stringify(stats)).toBe(200);
    expect(stats.weeks).toHaveLength(4);
    const [l, w] = stats.stages;
    // Per week, the most one destination received; measured from the oldest week counted.
    expect(l).toMatchObject({
      key: 'lead',
      weekly: [0, 0, 1, 3],
      weeksMeasured: 2,
      verdict: 'too_rare',
      audience: { members: 4 },
    });
    // Destinations by name: "google_ads test", then "meta test".
    expect(l.destinations.map((d: any) => [d.destinationId, d.weekly])).toEqual([
      [google, [0, 0, 1, 3]],
      [meta, [0, 0, 0, 3]],
    ]);
    expect(l.monthly).toBeCloseTo(2 * (30.4375 / 7), 6);
    expect(w).toMatchObject({ key: 'won', weekly: [0, 0, 0, 2], weeksMeasured: 1, verdict: 'too_rare' });
    expect(w.destinations).toMatchObject([
      { destinationId: meta, weekly: [0, 0, 0, 2], values: [{ currency: 'USD', sum: 20000, conversions: 2 }] },
    ]);
    expect(l.destinations[0].values).toEqual([]);
    expect(w.monthly).toBeCloseTo(2 * (30.4375 / 7), 6);
    expect(w.hint).toBe(
      'Won: 8.7 a month: too rare to optimize bidding on, and no stage of this ladder reaches 30 a month; optimize on a more frequent event and report Won as a secondary conversion.',
    );
    expect(stats.optimizeOn).toBeNull();

    expect((await api(`/api/ladders/${ladder.id}?weeks=0`)).status).toBe(400);
    expect((await api(`/api/ladders/${ladder.id}?weeks=27`)).status).toBe(400);
    expect((await api('/api/ladders/lad_missing')).status).toBe(404);
  });
});
