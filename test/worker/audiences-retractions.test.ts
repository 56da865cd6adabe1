// Exits retract: a person who leaves an audience while a conversion's retractOn criteria hold gets
// that conversion withdrawn (Google Ads RETRACTION by orderId) once, only after it was sent, with the
// backfill guard; a platform with no retraction records the reversal. Real PersonObjects and
// DestinationObjects in dry_run: the exact requests are recorded, nothing leaves.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { WORKER_FAKES } from '../fakes/worker-fakes';
import { get, signIn } from './admin-helpers';
import type { DestinationObject } from '../../collector/objects/destination';
import { personByEmail } from '../../collector/identity';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  env,
  identify,
  send,
  GOOGLE_SETTINGS,
  json,
  META_SETTINGS,
  mql,
  settled,
  turnOn,
  until,
  upsert,
} from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

let n = 0;
const email = () => `retract-${Date.now().toString(36)}-${n++}@example.com`;
const outboxOf = (id: string) => destinationById(env, id) as unknown as DestinationObject;
const retractOn = {
  criteria: { field: 'crm.lifecycle', op: 'eq', value: 'disqualified' },
  timestamp: 'crm.disqualified_at',
};
const personOf = async (who: string) => json(await api(`/api/people/${encodeURIComponent(who)}`));

describe('exits marked as reversals', { timeout: 120_000 }, () => {
  it('withdraw a sent Google Ads conversion once, record the reversal at Meta, and respect the window', async () => {
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const meta = await destination('meta', META_SETTINGS);
    const audience = await createAudience(mql(7, { name: 'retract on disqualified' }));
    const cv = await turnOn(audience.id, { destinationId: google, retractOn });
    expect(cv.retractOn).toEqual(retractOn);
    await turnOn(audience.id, { destinationId: meta, eventName: 'MQL', retractOn: { criteria: retractOn.criteria } });
    await settled(audience.id);
    const now = Date.now();
    const [a, b] = [email(), email()];

    await upsert(a, 'crm', { lifecycle: 'mql', mql_at: now - 2 * DAY }, now);
    const entryId = (await (await personByEmail(env, a)).audienceHistory()).entries.find(
      (e) => e.audienceId === audience.id,
    )!.id;
    const conversion = await until(
      async () => {
        await outboxOf(google).flushNow();
        return outboxOf(google).logEntry(entryId);
      },
      (r) => r?.status === 'sent',
      'the conversion was not sent',
    );
    expect(conversion!.kind).toBe('conversion');

    // Disqualified an hour ago: the person leaves, and the conversion is withdrawn.
    await upsert(
      a,
      'crm',
      { lifecycle: 'disqualified', disqualified_at: new Date(now - 3600_000).toISOString() },
      now + 1000,
    );
    const retraction = await until(
      async () => {
        await outboxOf(google).flushNow();
        return outboxOf(google).logEntry(`${entryId}:retract`);
      },
      (r) => r?.status === 'sent',
      'the retraction was not sent',
    );
    expect(retraction).toMatchObject({ kind: 'retraction', entryId, audienceId: audience.id, conversionId: cv.id });
    expect(retraction!.event).toEqual({
      orderId: entryId,
      conversionAction: 'customers/1234567890/conversionActions/2',
      adjustmentType: 'RETRACTION',
      adjustmentDateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/),
    });
    expect(retraction!.request!.url).toBe(
      'https://googleads.googleapis.com/v25/customers/1234567890:uploadConversionAdjustments',
    );
    // The conversion itself stays sent; Meta has no retraction: the reversal is recorded.
    expect((await outboxOf(google).logEntry(entryId))!.status).toBe('sent');
    const metaRows = await outboxOf(meta).log({ personKey: conversion!.personKey!, limit: 10 });
    expect(metaRows.find((r) => r.kind === 'retraction')).toMatchObject({
      status: 'skipped',
      skipReason: 'no_retraction',
    });

    // Exactly once: later changes and evaluations while still out add nothing.
    await upsert(
      a,
      'crm',
      { lifecycle: 'disqualified', disqualified_at: new Date(now - 3600_000).toISOString(), note: 'x' },
      now + 2000,
    );
    await (await personByEmail(env, a)).evaluateAudiences(now + 3000);
    await outboxOf(google).flushNow();
    const person = await personOf(a);
    expect(
      person.retractions
        .filter((r: any) => r.audienceId === audience.id)
        .map((r: any) => [r.destinationId, r.status])
        .sort(),
    ).toEqual(
      [
        [google, 'sent'],
        [meta, 'skipped'],
      ].sort(),
    );
    expect(
      (await outboxOf(google).log({ personKey: conversion!.personKey!, limit: 10 })).filter(
        (r) => r.kind === 'retraction',
      ).length,
    ).toBe(1);

    // The admin's delivery log marks the row as a retraction.
    const { cookies } = await signIn();
    const page = await (await get(`/admin/conversions?destination=${google}`, cookies)).text();
    expect(page).toContain('<span class="badge">retraction</span>');

    // A crash after the outbox took the retraction but before the person marked it handed off (and an
    // instance that starts with nothing in memory): it is handed over again, and the outbox, which
    // already holds the key, sends nothing more.
    await runInDurableObject(await personByEmail(env, a), (o: unknown) => {
      const p = o as { ctx: DurableObjectState; audiences: { forget(): void } };
      p.ctx.storage.sql.exec('UPDATE retractions SET handed_off_at = NULL');
      p.audiences.forget();
    });
    await (await personByEmail(env, a)).evaluateAudiences(now + 4000);
    await outboxOf(google).flushNow();
    expect(
      (await personOf(a)).retractions.filter((r: any) => r.audienceId === audience.id).map((r: any) => r.handedOff),
    ).toEqual([true, true]);
    const once = (await outboxOf(google).log({ personKey: conversion!.personKey!, limit: 10 })).filter(
      (r) => r.kind === 'retraction',
    );
    expect(once).toMatchObject([{ status: 'sent', attempts: 1 }]);

    // Backfill guard: a reversal dated outside the audience window (7 days) sends nothing. (Meta's
    // retractOn names no timestamp: its reversal is dated when the exit is seen, and recorded.)
    await upsert(b, 'crm', { lifecycle: 'mql', mql_at: now - DAY }, now);
    await upsert(
      b,
      'crm',
      { lifecycle: 'disqualified', disqualified_at: new Date(now - 30 * DAY).toISOString() },
      now + 1000,
    );
    const old = new Map(
      (await personOf(b)).retractions
        .filter((r: any) => r.audienceId === audience.id)
        .map((r: any) => [r.destinationId, r]),
    );
    expect(old.get(google)).toMatchObject({ status: 'skipped', reason: 'outside_window', delivery: null });
    expect(old.get(meta)).toMatchObject({ status: 'skipped', reason: null, delivery: { skipReason: 'no_retraction' } });
  });

  it('a conversion not yet handed to delivery (paused) is never sent once reversed: nothing to withdraw', async () => {
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const audience = await createAudience(mql(7, { name: 'reversed while paused' }));
    const cv = await turnOn(audience.id, { destinationId: google, retractOn, paused: true });
    await settled(audience.id);
    const now = Date.now();
    const d = email();
    await upsert(d, 'crm', { lifecycle: 'mql', mql_at: now - DAY }, now);
    await upsert(
      d,
      'crm',
      { lifecycle: 'disqualified', disqualified_at: new Date(now - 60_000).toISOString() },
      now + 1000,
    );
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: false })).status).toBe(
      200,
    );
    await settled(audience.id);
    await (await personByEmail(env, d)).evaluateAudiences(now + 2000);
    await outboxOf(google).flushNow();
    const person = await personOf(d);
    expect(
      person.conversions
        .filter((c: any) => c.audienceId === audience.id)
        .map((c: any) => [c.status, c.reason, c.delivery]),
    ).toEqual([['skipped', 'reversed', null]]);
    expect(person.retractions.filter((r: any) => r.audienceId === audience.id)).toEqual([]);
  });

  it('a reason not marked as a reversal withdraws nothing', async () => {
    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const audience = await createAudience(mql(7, { name: 'retract only on disqualified' }));
    await turnOn(audience.id, { destinationId: google, retractOn });
    await settled(audience.id);
    const now = Date.now();
    const c = email();
    await upsert(c, 'crm', { lifecycle: 'mql', mql_at: now - DAY }, now);
    await upsert(c, 'crm', { lifecycle: 'sql', sql_at: now }, now + 1000);
    expect((await personOf(c)).retractions.filter((r: any) => r.audienceId === audience.id)).toEqual([]);
  });

  it('live: Google Ads and Microsoft take the retraction at their contract fakes, which check it against the conversion they stored', async () => {
    const urls = inject('retractionFakeUrls');
    const w = WORKER_FAKES;
    const live = async (body: Record<string, unknown>) => {
      const res = await send('/api/destinations', 'POST', { mode: 'live', ...body });
      const out = await json(res);
      expect(res.status, JSON.stringify(out)).toBe(201);
      return out.id as string;
    };
    const google = await live({
      type: 'google_ads',
      name: 'Ads retract',
      endpoint: urls.google_ads,
      tokenEndpoint: urls.google_ads,
      settings: {
        customerId: w.google_ads.customerId,
        conversionActionId: '555',
        clientId: w.google_ads.clientId,
        clientSecret: w.google_ads.clientSecret,
        refreshToken: w.google_ads.refreshToken,
      },
    });
    const microsoft = await live({
      type: 'microsoft_ads',
      name: 'MS retract',
      endpoint: urls.microsoft_ads,
      tokenEndpoint: urls.microsoft_ads,
      settings: {
        customerId: w.microsoft_ads.customerId,
        accountId: w.microsoft_ads.accountId,
        conversionGoalName: 'MQL',
        developerToken: w.microsoft_ads.developerToken,
        clientId: w.microsoft_ads.clientId,
        clientSecret: w.microsoft_ads.clientSecret,
        refreshToken: w.microsoft_ads.refreshToken,
      },
    });
    const audience = await createAudience(mql(7, { name: 'retract live' }));
    await turnOn(audience.id, { destinationId: google, retractOn });
    await turnOn(audience.id, { destinationId: microsoft, retractOn });
    await settled(audience.id);
    const now = Date.now();
    const who = email();
    // A Microsoft click before the conversion (sent by the tag with the identify), so the retraction names it.
    const msclkid = 'ab12'.repeat(8);
    await identify(who, {}, { touches: [{ kind: 'msclkid', value: msclkid, firstSeen: now - 3 * DAY }] });
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: now - 2 * DAY }, now);
    const entryId = (await (await personByEmail(env, who)).audienceHistory()).entries.find(
      (e) => e.audienceId === audience.id,
    )!.id;
    for (const dst of [google, microsoft])
      await until(
        async () => (await outboxOf(dst).flushNow(), outboxOf(dst).log({ limit: 50 })),
        (rows) => rows.some((r) => r.entryId === entryId && r.kind === 'conversion' && r.status === 'sent'),
        `conversion not sent to ${dst}`,
      );
    await upsert(
      who,
      'crm',
      { lifecycle: 'disqualified', disqualified_at: new Date(now - 60_000).toISOString() },
      now + 1000,
    );
    for (const dst of [google, microsoft]) {
      const rows = await until(
        async () => (await outboxOf(dst).flushNow(), outboxOf(dst).log({ limit: 50 })),
        (rs) => rs.some((r) => r.entryId === entryId && r.kind === 'retraction' && r.status === 'sent'),
        `retraction not sent to ${dst}`,
      );
      const r = rows.find((x) => x.entryId === entryId && x.kind === 'retraction')!;
      expect(r.request!.status).toBe(200);
      expect(r.request!.response).not.toHaveProperty('partialFailureError');
      expect(r.request!.response).not.toMatchObject({ PartialErrors: expect.anything() });
    }
    const g = (await outboxOf(google).log({ limit: 50 })).find(
      (x) => x.entryId === entryId && x.kind === 'retraction',
    )!;
    expect(g.event).toMatchObject({ orderId: entryId, adjustmentType: 'RETRACTION' });
    const m = (await outboxOf(microsoft).log({ limit: 50 })).find(
      (x) => x.entryId === entryId && x.kind === 'retraction',
    )!;
    expect(m.event).toMatchObject({ AdjustmentType: 'Retract', ConversionName: 'MQL', MicrosoftClickId: msclkid });
  });
});
