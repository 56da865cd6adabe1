// End to end, inside workerd, with no code written by the user: contacts created and changed in the
// fake HubSpot are synced by a HubSpot source, enter an audience over `hubspot.*` attributes, and
// produce a conversion request that the Meta contract fake accepts (live mode).
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { createAudience, json, send, settled, turnOn } from './audiences-helpers';
import { api, env } from './helpers';
import { destinationById } from '../../collector/objects/doors';
import { sourceWaits } from './sources-helpers';

const HUBSPOT = inject('hubspotUrl');
const META = inject('fakeUrls').meta;
const RUN = Date.now().toString(36);
const ACCT = `e2e-${RUN}`;

async function hubspot(body: Record<string, unknown>) {
  const res = await fetch(`${HUBSPOT}/__fake/control`, {
    method: 'POST',
    body: JSON.stringify({ account: ACCT, ...body }),
  });
  expect(res.status).toBe(204);
}

const { until, syncNow } = sourceWaits(90_000);

describe('HubSpot → audience → Meta, end to end', { timeout: 200_000 }, () => {
  it('a contact becoming MQL in HubSpot produces one conversion at the Meta fake', async () => {
    const email = `mql.${RUN}@example.com`;
    const dst = await json(
      await send('/api/destinations', 'POST', {
        type: 'meta',
        name: `Meta ${RUN}`,
        mode: 'live',
        endpoint: META,
        settings: { pixelId: WORKER_FAKES.meta.pixelId, accessToken: WORKER_FAKES.meta.accessToken },
      }),
    );
    const audience = await createAudience({
      name: `HubSpot MQL ${RUN}`,
      criteria: {
        all: [
          { field: 'hubspot.lifecyclestage', op: 'eq', value: 'marketingqualifiedlead' },
          { field: 'hubspot.city', op: 'eq', value: RUN },
        ],
      },
      timestamp: { field: 'hubspot.hs_lifecyclestage_marketingqualifiedlead_date', withinDays: 7 },
    });
    await turnOn(audience.id, { destinationId: dst.id });
    await settled(audience.id);

    // Created in HubSpot as a lead: synced, not in the audience.
    await hubspot({ action: 'upsert', contacts: [{ email, properties: { lifecyclestage: 'lead', city: RUN } }] });
    const created = await send('/api/sources', 'POST', {
      type: 'hubspot',
      name: 'HubSpot e2e',
      settings: { accessToken: WORKER_FAKES.hubspot.privateToken, endpoint: `${HUBSPOT}/acct/${ACCT}` },
    });
    const src = await json(created);
    expect(created.status, JSON.stringify(src)).toBe(201);
    const first = await until(
      () => api(`/api/sources/${src.id}`).then(json),
      (s) => !!s.lastRun,
      'first sync',
    );
    expect(first.lastRun).toMatchObject({ applied: 1 });
    expect((await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions).toEqual([]);

    // Changed in HubSpot: the stage moves to MQL, with HubSpot's own stage date (epoch ms, as it sends it).
    const mqlAt = Date.now() - 60_000;
    await hubspot({
      action: 'upsert',
      contacts: [
        {
          email,
          properties: {
            lifecyclestage: 'marketingqualifiedlead',
            hs_lifecyclestage_marketingqualifiedlead_date: String(mqlAt),
          },
        },
      ],
    });
    const second = await syncNow(src.id);
    expect(second.lastRun).toMatchObject({ read: 1, applied: 1 });

    // The entry becomes a conversion row in the Meta outbox; its alarm sends it to the fake.
    const rows = await until(
      async () => {
        await runDurableObjectAlarm(destinationById(env, dst.id) as unknown as DurableObjectStub);
        return (await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions as {
          status: string;
          entryId: string;
          request: { status: number } | null;
        }[];
      },
      (r) => r.length === 1 && r[0]!.status === 'sent',
      'conversion sent to Meta',
    );
    expect(rows[0]!.request?.status).toBe(200);
    const state = (await (await fetch(`${META}/__fake/state`)).json()) as {
      stored: { event: { event_id: string; event_time: number } }[];
    };
    const ours = state.stored.filter((s) => s.event.event_id === rows[0]!.entryId);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.event.event_time).toBe(Math.floor(mqlAt / 1000));

    // A later poll with nothing new changes nothing and sends nothing again.
    const idle = await syncNow(src.id);
    expect(idle.lastRun).toMatchObject({ read: 0, applied: 0 });
    expect((await json(await api(`/api/conversions?audience=${audience.id}&limit=10`))).conversions).toHaveLength(1);
  });
});
