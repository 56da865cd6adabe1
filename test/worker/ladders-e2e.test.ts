// End to end, inside workerd: a CRM ladder (template "crm") sending to Meta, live, at its contract
// fake. One person moves up lead → MQL → SQL → opportunity → won; each step is one Meta event with
// the stage's own name, the opportunity and won stages carrying the deal amount as it stood when the
// stage was reached. Sliding back a stage and up again with the same dates sends nothing more.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { type DestinationObject } from '../../collector/objects/destination';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { api } from './helpers';
import { DAY, env, history, json, send, settled, upsert } from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

const F = inject('e2eFakeUrls');
const inObject = runInDurableObject as unknown as (stub: unknown, fn: (o: DestinationObject) => void) => Promise<void>;
const stubOf = (id: string) => destinationById(env, id) as unknown as DurableObjectStub;

/** Sends what the Meta outbox holds (its clock moved past the hand-off delay). */
async function flush(id: string) {
  await inObject(stubOf(id), (o) => {
    o.now = () => Date.now() + 60_000;
  });
  try {
    await destinationById(env, id).flushNow();
  } finally {
    await inObject(stubOf(id), (o) => {
      o.now = () => Date.now();
    });
  }
}

async function metaEvents(ids: string[]): Promise<any[]> {
  const state = (await (await fetch(`${F.meta}/__fake/state`)).json()) as { stored: { event: any }[] };
  return state.stored.map((s) => s.event).filter((e) => ids.includes(e.event_id));
}

describe('a stage ladder end to end', { timeout: 120_000 }, () => {
  it('a person moving up the ladder makes one Meta event per stage, with the value where the stage sends one', async () => {
    const res = await send('/api/destinations', 'POST', {
      type: 'meta',
      name: 'Meta ladder e2e',
      mode: 'live',
      endpoint: F.meta,
      settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
    });
    const meta = (await json(res)).id as string;
    expect(res.status).toBe(201);
    const created = await send('/api/ladders', 'POST', {
      name: 'CRM funnel e2e',
      template: { source: 'crm', withinDays: 30 },
      send: [
        {
          destinationId: meta,
          currency: 'EUR',
          stages: { opportunity: { valueField: 'crm.deal.amount' }, won: { valueField: 'crm.deal.amount' } },
        },
      ],
    });
    const ladder = await json(created);
    expect(created.status, JSON.stringify(ladder)).toBe(201);
    for (const s of ladder.stages) await settled(s.audienceId);

    const who = `ladder-e2e-${Date.now().toString(36)}@example.com`;
    // Inside Meta's 7 days: a stage a day.
    const start = Date.now() - 5 * DAY;
    const steps: [string, Record<string, unknown>][] = [
      ['lead', { lifecycle_stage: 'lead', lead_at: new Date(start).toISOString() }],
      ['mql', { lifecycle_stage: 'mql', mql_at: new Date(start + DAY).toISOString() }],
      ['sql', { lifecycle_stage: 'sql', sql_at: new Date(start + 2 * DAY).toISOString() }],
      [
        'opportunity',
        {
          lifecycle_stage: 'opportunity',
          opportunity_at: new Date(start + 3 * DAY).toISOString(),
          deal: { amount: '10,000' },
        },
      ],
      [
        'won',
        { lifecycle_stage: 'won', won_at: new Date(start + 4 * DAY).toISOString(), deal: { amount: '12,500.00' } },
      ],
    ];
    for (const [, attributes] of steps) {
      await upsert(who, 'crm', attributes, Date.now());
      await flush(meta);
    }
    // The deal slides back to opportunity and is won again on the same date: no new entry anywhere.
    await upsert(who, 'crm', { lifecycle_stage: 'opportunity' }, Date.now());
    await upsert(who, 'crm', { lifecycle_stage: 'won' }, Date.now());
    await flush(meta);

    const entries = [];
    for (const s of ladder.stages) {
      const h = await history(who, s.audienceId);
      expect(h.entries, s.key).toHaveLength(1);
      entries.push(h.entries[0]!.id as string);
    }
    const events = await metaEvents(entries);
    expect(events).toHaveLength(5);
    const byId = new Map(events.map((e) => [e.event_id, e]));
    const sent = entries.map((id) => byId.get(id));
    expect(sent.map((e) => e.event_name)).toEqual(['Lead', 'MQL', 'SQL', 'Opportunity', 'Won']);
    expect(sent.map((e) => e.custom_data ?? null)).toEqual([
      null,
      null,
      null,
      { value: 10000, currency: 'EUR' },
      { value: 12500, currency: 'EUR' },
    ]);
    expect(sent.map((e) => e.event_time)).toEqual(steps.map((_, i) => Math.floor((start + i * DAY) / 1000)));

    // The ladder view counts one conversion per stage this week, and the value of the last two.
    const stats = await json(await api(`/api/ladders/${ladder.id}?weeks=2`));
    expect(stats.stages.map((s: any) => s.weekly)).toEqual(Array(5).fill([0, 1]));
    expect(stats.stages.map((s: any) => s.destinations[0].values)).toEqual([
      [],
      [],
      [],
      [{ currency: 'EUR', sum: 10000, conversions: 1 }],
      [{ currency: 'EUR', sum: 12500, conversions: 1 }],
    ]);
  });
});
