// The identify answer's `conversions` (docs/deduplication.md): the conversions that identify made the
// identified person enter, with the event id each platform receives from the server, so the page's
// pixel can send the same one. Only that person's, only new ones, never a CRM-read value.
import { beforeAll, describe, expect, it } from 'vitest';
import { personByEmail } from '../../collector/identity';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import {
  createAudience,
  destination,
  GOOGLE_SETTINGS,
  META_SETTINGS,
  settled,
  turnOn,
  upsert,
} from './audiences-helpers';
import { collect, env, identifyEvent, PK } from './helpers';

const RUN = Date.now().toString(36);
let seq = 0;
const email = () => `dedupe-${RUN}-${seq++}@example.com`;
const iso = () => new Date().toISOString();

let audienceId: string;
const cv: Record<string, string> = {};

async function identifyAnswer(events: unknown[]): Promise<any> {
  const res = await collect({ key: PK, events });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  const audience = await createAudience({
    name: `Demo requested ${RUN}`,
    allowTraits: true,
    criteria: { field: 'traits.demo', op: 'eq', value: 'requested' },
    timestamp: { field: 'traits.demo_at', withinDays: 7 },
  });
  audienceId = audience.id;
  const meta = await destination('meta', META_SETTINGS);
  cv.meta = (await turnOn(audienceId, { destinationId: meta, eventName: 'Schedule', value: 120, currency: 'EUR' })).id;
  // A second Meta event of the same entry whose value comes from the CRM: the value stays server-side.
  cv.metaCrm = (
    await turnOn(audienceId, { destinationId: meta, eventName: 'Lead', valueField: 'crm.deal.amount', currency: 'EUR' })
  ).id;
  cv.google = (
    await turnOn(audienceId, {
      destinationId: await destination('google_ads', GOOGLE_SETTINGS),
      conversionAction: 'customers/1234567890/conversionActions/987',
    })
  ).id;
  cv.reddit = (
    await turnOn(audienceId, { destinationId: await destination('reddit', WORKER_FAKES.reddit), eventName: 'sign up' })
  ).id;
  cv.tiktok = (await turnOn(audienceId, { destinationId: await destination('tiktok', WORKER_FAKES.tiktok) })).id;
  const l = WORKER_FAKES.linkedin;
  cv.linkedin = (
    await turnOn(audienceId, {
      destinationId: await destination('linkedin', {
        conversionUrn: 'urn:lla:llaPartnerConversion:4242',
        clientId: l.clientId,
        clientSecret: l.clientSecret,
        refreshToken: l.refreshToken,
        apiVersion: '202510',
      }),
    })
  ).id;
  const m = WORKER_FAKES.microsoft_ads;
  cv.microsoft = (
    await turnOn(audienceId, {
      destinationId: await destination('microsoft_ads', {
        customerId: m.customerId,
        accountId: m.accountId,
        conversionGoalName: 'MQL',
        developerToken: m.developerToken,
        clientId: m.clientId,
        clientSecret: m.clientSecret,
        refreshToken: m.refreshToken,
      }),
    })
  ).id;
  await settled(audienceId);
});

describe('POST /v1/collect: the conversions an identify triggered', () => {
  it('answers each platform’s event name and the exact event id the server sends, per conversion', async () => {
    const who = email();
    const out = await identifyAnswer([identifyEvent(who, { traits: { demo: 'requested', demo_at: iso() } })]);
    const h = await (await personByEmail(env, who)).audienceHistory();
    const entry = h.entries.find((e) => e.audienceId === audienceId)!;
    expect(entry).toBeTruthy();
    const byConversion = Object.fromEntries((out.conversions as any[]).map((c) => [c.conversionId, c]));
    expect(byConversion[cv.meta]).toEqual({
      platform: 'meta',
      eventName: 'Schedule',
      eventId: entry.id,
      conversionId: cv.meta,
      value: 120,
      currency: 'EUR',
    });
    expect(byConversion[cv.metaCrm]).toEqual({
      platform: 'meta',
      eventName: 'Lead',
      eventId: entry.id,
      conversionId: cv.metaCrm,
    });
    expect(byConversion[cv.google]).toEqual({
      platform: 'google',
      eventName: 'conversion',
      conversionAction: '987',
      eventId: entry.id,
      conversionId: cv.google,
    });
    expect(byConversion[cv.reddit]).toEqual({
      platform: 'reddit',
      eventName: 'SignUp',
      eventId: entry.id,
      conversionId: cv.reddit,
    });
    expect(byConversion[cv.tiktok]).toEqual({
      platform: 'tiktok',
      eventName: 'SubmitForm',
      eventId: entry.id,
      conversionId: cv.tiktok,
    });
    expect(byConversion[cv.linkedin]).toEqual({ platform: 'linkedin', eventId: entry.id, conversionId: cv.linkedin });
    // Microsoft's offline conversions deduplicate by click and time: there is no id to hand over.
    expect(byConversion[cv.microsoft]).toBeUndefined();
    expect(out.conversions).toHaveLength(6);
    expect(typeof out.token).toBe('string');
    // The event id the server sends is the same entry id (the rows the destinations receive).
    expect(h.conversions.filter((c) => c.audienceId === audienceId).every((c) => c.entryId === entry.id)).toBe(true);
  });

  it('answers nothing for an identify that triggers nothing, a repeat, or a duplicate message', async () => {
    const who = email();
    const first = identifyEvent(who, { traits: { demo: 'requested', demo_at: iso() } });
    expect((await identifyAnswer([first])).conversions).toHaveLength(6);
    // The same message again (the tag's retry after a lost answer): a duplicate, nothing new.
    expect((await identifyAnswer([first])).conversions).toBeUndefined();
    // A later identify of the member: the entry exists already.
    expect(
      (await identifyAnswer([identifyEvent(who, { traits: { demo: 'requested', page: 2 } })])).conversions,
    ).toBeUndefined();
    // Someone who is no member.
    expect((await identifyAnswer([identifyEvent(email(), { traits: { demo: 'maybe' } })])).conversions).toBeUndefined();
  });

  it('answers only for the batch’s identified person (the token’s), never another person in the batch', async () => {
    const member = email();
    const other = email();
    const out = await identifyAnswer([
      identifyEvent(member, { traits: { demo: 'requested', demo_at: iso() } }),
      identifyEvent(other, { traits: { demo: 'no' } }),
    ]);
    expect(out.accepted).toBe(2);
    expect(out.conversions).toBeUndefined();
    // The member did enter (the server sends their conversions), but the answer was the other person's.
    const h = await (await personByEmail(env, member)).audienceHistory();
    expect(h.entries.some((e) => e.audienceId === audienceId)).toBe(true);
  });

  it('answers nothing when the identify denies ads consent', async () => {
    const out = await identifyAnswer([
      identifyEvent(email(), {
        traits: { demo: 'requested', demo_at: iso() },
        context: { consent: { ads: 'denied' } },
      }),
    ]);
    expect(out.conversions).toBeUndefined();
  });

  it('answers nothing for an entry made by a CRM change before the identify', async () => {
    const who = email();
    await upsert(who, 'traits', { demo: 'requested', demo_at: iso() }, Date.now());
    const out = await identifyAnswer([identifyEvent(who, { traits: { demo: 'requested', seen: true } })]);
    expect(out.conversions).toBeUndefined();
  });
});
