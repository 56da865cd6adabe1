import { describe, expect, it } from 'vitest';
import { entryId } from '../../shared/criteria';
import { sha256Hex } from '../../shared/normalize';
import { personKey } from '../../collector/identity';
import { api } from './helpers';
import { conversionKey } from '../../collector/delivery/conversion-row';
import type { DestinationObject } from '../../collector/objects/destination';
import {
  createAudience,
  DAY,
  destination,
  GOOGLE_SETTINGS,
  history,
  identify,
  json,
  legacyConversion,
  META_SETTINGS,
  send,
  settled,
  turnOn,
  upsert,
} from './audiences-helpers';
import { env } from './audiences-helpers';
import { destinationById } from '../../collector/objects/doors';

const GCLID = 'Cj0KCQiAhOfLBhCCARIsAEXAMPLEgclid0001';

describe('GET /api/audiences/{id}/members', { timeout: 60_000 }, () => {
  it('lists members with their timestamp, the values the criteria used, and per conversion the exact payload or a skip reason', async () => {
    const now = Date.now();
    const audience = await createAudience({
      name: 'Opportunity created, amount >= 10,000',
      criteria: {
        all: [
          { field: 'crm.opportunity.stage', op: 'in', value: ['created', 'qualified'] },
          { field: 'crm.opportunity.amount', op: 'gte', value: 10_000 },
        ],
      },
      timestamp: { field: 'crm.opportunity.created_at', withinDays: 30 },
    });
    const big = 'big-deal@example.com';
    const small = 'small-deal@example.com';
    await identify(big, {}, { touches: [{ kind: 'gclid', value: GCLID, firstSeen: now - 5 * DAY }] });
    const ts = now - 2 * DAY;
    await upsert(
      big,
      'crm',
      { opportunity: { stage: 'created', amount: '25000', created_at: new Date(ts).toISOString() }, owner: 'x' },
      now,
    );
    await upsert(
      small,
      'crm',
      { opportunity: { stage: 'created', amount: 9_999, created_at: new Date(ts).toISOString() } },
      now,
    );

    const empty = await json(await api(`/api/audiences/${audience.id}/members`));
    expect(empty.members.map((m: any) => m.email)).toEqual([big]);
    // Nothing is configured, so nothing would be sent.
    expect(empty.members[0].conversions).toEqual([]);

    const google = await destination('google_ads', GOOGLE_SETTINGS);
    const meta = await destination('meta', META_SETTINGS);
    // The resource name Google Ads shows is stored, and shown, as the action ID.
    const on = await turnOn(audience.id, {
      destinationId: google,
      conversionAction: 'customers/1234567890/conversionActions/777',
      valueField: 'crm.opportunity.amount',
      currency: 'USD',
    });
    expect(on.conversionAction).toBe('777');
    const existingOff = await turnOn(audience.id, {
      destinationId: meta,
      eventName: 'Opportunity',
      sendExisting: false,
    });
    // A conversion to a destination that is not configured, as one made before turn-on checked the
    // destination could be (the API refuses it now: audiences-api.test.ts); the sweep below covers it.
    const nowhere = await legacyConversion(audience.id, { destinationId: `dst_not_configured_${now}`, paused: true });
    const website = await turnOn(audience.id, {
      destinationId: meta,
      eventName: 'Web',
      actionSource: 'website',
      paused: true,
    });
    await settled(audience.id);

    const res = await api(`/api/audiences/${audience.id}/members`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.cursor).toBeNull();
    expect(body.members).toHaveLength(1);
    const member = body.members[0];
    const key = await personKey(env, big);
    const id = await entryId(audience.id, key, Math.floor(ts / 1000));
    expect(member).toMatchObject({
      email: big,
      member: true,
      timestamp: new Date(Math.floor(ts / 1000) * 1000).toISOString(),
      timestampSeconds: Math.floor(ts / 1000),
      values: {
        'crm.opportunity.stage': { value: 'created' },
        'crm.opportunity.amount': { value: '25000' },
        'crm.opportunity.created_at': { value: new Date(ts).toISOString(), parsed: new Date(ts).toISOString() },
      },
      entries: [{ id, timestamp: Math.floor(ts / 1000) }],
    });
    expect(Object.keys(member.values)).not.toContain('crm.owner');
    const byId = Object.fromEntries(member.conversions.map((c: any) => [c.conversionId, c]));
    // Google Ads: the uploadClickConversions item the builder made when the row was handed off.
    const googleAudit = byId[on.id];
    expect(googleAudit).toMatchObject({
      destinationId: google,
      entryId: id,
      status: 'pending',
      mode: 'dry_run',
      // Handed off at once and recorded by the dry-run flush: the item stored in the outbox is shown.
      outbox: { status: 'sent', held: false },
      payload: {
        conversionAction: 'customers/1234567890/conversionActions/777',
        orderId: id,
        gclid: GCLID,
        conversionValue: 25000,
        currencyCode: 'USD',
        userIdentifiers: [{ userIdentifierSource: 'FIRST_PARTY', hashedEmail: await sha256Hex(big) }],
      },
      request: {
        method: 'POST',
        url: 'https://googleads.googleapis.com/v25/customers/1234567890:uploadClickConversions',
        headers: { authorization: '[REDACTED]' },
      },
    });
    expect(googleAudit.request.body.conversions).toEqual([googleAudit.payload]);
    expect(JSON.stringify(googleAudit)).not.toContain('refresh-token-123');
    expect(byId[existingOff.id]).toMatchObject({ status: 'skipped', skip: 'existing_entry' });
    expect(byId[existingOff.id].payload).toBeUndefined();
    // Meta refuses website events without the visit's landing URL and user agent: said by Meta's own builder.
    expect(byId[website.id]).toMatchObject({ status: 'paused', skip: 'invalid_event', outbox: null });
    expect(byId[website.id].detail).toMatch(/landing URL/);
    expect(byId[nowhere.id]).toMatchObject({ skip: 'destination_not_configured' });

    // What the audit showed is byte for byte what delivery sent: the dry run's delivery log.
    const outbox = destinationById(env, google) as unknown as DestinationObject;
    // Keyed as delivery keys it: the entry id plus a hash of the conversion action.
    const logged = await outbox.logEntry(await conversionKey(id, on));
    expect(logged?.status).toBe('sent');
    expect((logged?.request?.body as any).conversions).toEqual([googleAudit.payload]);
  });

  it('says why a conversion would be skipped: outside the window, consent denied, older than the platform allows', async () => {
    const now = Date.now();
    const run = now.toString(36);
    const audience = await createAudience({
      name: 'skips',
      criteria: { field: 'crm.skip_run', op: 'eq', value: run },
      timestamp: { field: 'crm.at', withinDays: 30 },
    });
    const meta = await destination('meta', META_SETTINGS);
    const old = `old-${run}@example.com`; // 10 days: inside the audience's 30, past Meta's 7
    const denied = `denied-${run}@example.com`;
    const fresh = `fresh-${run}@example.com`;
    await identify(denied, {}, { context: { consent: { ads: 'denied' } } });
    await upsert(old, 'crm', { skip_run: run, at: now - 10 * DAY }, now);
    await upsert(denied, 'crm', { skip_run: run, at: now - DAY }, now);
    await upsert(fresh, 'crm', { skip_run: run, at: now - DAY }, now);
    // Paused: nothing is handed off, so each payload is built at audit time by Meta's builder.
    const cv = await turnOn(audience.id, { destinationId: meta, paused: true });
    await settled(audience.id);
    const members = (await json(await api(`/api/audiences/${audience.id}/members`))).members;
    const of = (who: string) => members.find((m: any) => m.email === who).conversions[0];
    expect(of(old)).toMatchObject({ conversionId: cv.id, skip: 'older_than_platform_allows' });
    expect(of(denied)).toMatchObject({ skip: 'consent_denied' });
    expect(of(fresh)).toMatchObject({
      status: 'paused',
      outbox: null,
      payload: {
        event_name: 'Lead',
        action_source: 'system_generated',
        event_time: Math.floor((now - DAY) / 1000),
        user_data: { em: [await sha256Hex(fresh)] },
      },
      request: { url: 'https://graph.facebook.com/v26.0/123456789012345/events?access_token=[REDACTED]' },
    });

    // Narrowing the window to 7 days: the old entry is outside it now, and the audit says so.
    await send(`/api/audiences/${audience.id}`, 'PATCH', { timestamp: { field: 'crm.at', withinDays: 7 } });
    await settled(audience.id);
    const after = (await json(await api(`/api/audiences/${audience.id}/members`))).members;
    expect(after.map((m: any) => m.email).sort()).toEqual([denied, fresh].sort());
    // Its held row is decided again on the sweep: outside the window now, it will never be sent.
    expect((await history(old, audience.id)).conversions[0]).toMatchObject({
      status: 'skipped',
      reason: 'outside_window',
    });
    // Resumed: the fresh row goes to the outbox; the audit then shows the item stored there.
    expect((await send(`/api/audiences/${audience.id}/conversions/${cv.id}`, 'PATCH', { paused: false })).status).toBe(
      200,
    );
    await settled(audience.id);
    expect((await history(fresh, audience.id)).conversions[0]).toMatchObject({ status: 'pending' });
    const live = (await json(await api(`/api/audiences/${audience.id}/members`))).members.find(
      (m: any) => m.email === fresh,
    ).conversions[0];
    expect(live.outbox).not.toBeNull();
    expect(live.payload).toEqual(of(fresh).payload);
  });

  it('pages with a cursor, and refuses a bad limit or an unknown audience', async () => {
    const audience = await createAudience({
      name: 'paging',
      criteria: { field: 'crm.page_test', op: 'eq', value: true },
      timestamp: { field: 'crm.page_at', withinDays: 7 },
    });
    const emails = Array.from({ length: 5 }, (_, i) => `page-${i}@example.com`);
    for (const who of emails) await upsert(who, 'crm', { page_test: true, page_at: Date.now() - DAY }, Date.now());
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: any = await json(await api(`/api/audiences/${audience.id}/members?limit=2&cursor=${cursor}`));
      expect(page.members.length).toBeLessThanOrEqual(2);
      seen.push(...page.members.map((m: any) => m.email));
      cursor = page.cursor;
      pages++;
    }
    expect(seen.sort()).toEqual(emails);
    expect(pages).toBe(3);
    expect((await json(await api(`/api/audiences/${audience.id}`))).members).toBe(5);

    // A member who leaves is dropped from the list.
    await upsert(emails[0]!, 'crm', { page_test: false }, Date.now());
    const after = await json(await api(`/api/audiences/${audience.id}/members`));
    expect(after.members.map((m: any) => m.email).sort()).toEqual(emails.slice(1));

    // An erased member disappears from the list and the count.
    expect((await api(`/api/people/${encodeURIComponent(emails[1]!)}`, { method: 'DELETE' })).status).toBe(200);
    const erased = await json(await api(`/api/audiences/${audience.id}/members`));
    expect(erased.members.map((m: any) => m.email).sort()).toEqual(emails.slice(2));
    expect((await json(await api(`/api/audiences/${audience.id}`))).members).toBe(3);

    expect((await api(`/api/audiences/${audience.id}/members?limit=0`)).status).toBe(400);
    expect((await api(`/api/audiences/${audience.id}/members?limit=abc`)).status).toBe(400);
    expect((await api(`/api/audiences/aud_missing/members`)).status).toBe(404);
    expect((await send(`/api/audiences/${audience.id}`, 'PATCH', { paused: true })).status).toBe(200);
  });
});
