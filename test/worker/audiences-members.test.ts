import { describe, expect, it } from 'vitest';
import { entryId } from '../../shared/criteria';
import { sha256Hex } from '../../shared/normalize';
import { personKey } from '../../collector/identity';
import { api } from './helpers';
import { createAudience, DAY, identify, json, send, settled, turnOn, upsert } from './audiences-helpers';
import { env } from './audiences-helpers';

const GCLID = 'Cj0KCQiAhOfLBhCCARIsAEXAMPLEgclid0001';

describe('GET /api/audiences/{id}/members', { timeout: 60_000 }, () => {
  it('lists members with their timestamp, the values the criteria used, and per conversion a payload or a skip reason', async () => {
    const now = Date.now();
    const audience = await createAudience({
      name: 'Opportunity created, amount >= 10,000',
      criteria: { all: [{ field: 'crm.opportunity.stage', op: 'in', value: ['created', 'qualified'] }, { field: 'crm.opportunity.amount', op: 'gte', value: 10_000 }] },
      timestamp: { field: 'crm.opportunity.created_at', withinDays: 30 },
    });
    const big = 'big-deal@example.com';
    const small = 'small-deal@example.com';
    await identify(big, {}, { touches: [{ kind: 'gclid', value: GCLID, firstSeen: now - 5 * DAY }] });
    const ts = now - 2 * DAY;
    await upsert(big, 'crm', { opportunity: { stage: 'created', amount: '25000', created_at: new Date(ts).toISOString() }, owner: 'x' }, now);
    await upsert(small, 'crm', { opportunity: { stage: 'created', amount: 9_999, created_at: new Date(ts).toISOString() } }, now);

    const empty = await json(await api(`/api/audiences/${audience.id}/members`));
    expect(empty.members.map((m: any) => m.email)).toEqual([big]);
    // Nothing is configured, so nothing would be sent.
    expect(empty.members[0].conversions).toEqual([]);

    const on = await turnOn(audience.id, { destinationId: 'dst_google', conversionAction: 'customers/1/conversionActions/2', valueField: 'crm.opportunity.amount', currency: 'USD' });
    const existingOff = await turnOn(audience.id, { destinationId: 'dst_meta', eventName: 'Opportunity', sendExisting: false });
    await settled(audience.id);

    const res = await api(`/api/audiences/${audience.id}/members`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.cursor).toBeNull();
    expect(body.members).toHaveLength(1);
    const member = body.members[0];
    const id = await entryId(audience.id, await personKey(env, big), Math.floor(ts / 1000));
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
    expect(byId[on.id]).toMatchObject({
      destinationId: 'dst_google',
      entryId: id,
      status: 'pending',
      payload: {
        eventId: id,
        eventTime: Math.floor(ts / 1000),
        conversionAction: 'customers/1/conversionActions/2',
        value: 25000,
        currency: 'USD',
        user: { emailSha256: await sha256Hex(big), clickIds: [{ platform: 'google', kind: 'gclid', value: GCLID }] },
      },
    });
    expect(byId[existingOff.id]).toMatchObject({ status: 'skipped', skip: 'existing_entry' });
    expect(byId[existingOff.id].payload).toBeUndefined();
  });

  it('pages with a cursor, and refuses a bad limit or an unknown audience', async () => {
    const audience = await createAudience({ name: 'paging', criteria: { field: 'crm.page_test', op: 'eq', value: true }, timestamp: { field: 'crm.page_at', withinDays: 7 } });
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
