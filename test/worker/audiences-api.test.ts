import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  history,
  json,
  META_SETTINGS,
  mql,
  send,
  settled,
  upsert,
} from './audiences-helpers';

describe('audience definitions', { timeout: 60_000 }, () => {
  it('names the node of the criteria that is wrong', async () => {
    const cases: [unknown, string][] = [
      [
        {
          ...mql(),
          criteria: {
            all: [
              { field: 'crm.a', op: 'eq', value: 1 },
              { field: 'crm.b', op: 'equals', value: 1 },
            ],
          },
        },
        'criteria.all[1].op',
      ],
      [
        { ...mql(), criteria: { any: [{ not: { field: 'crm.a', op: 'in', value: [] } }] } },
        'criteria.any[0].not.value',
      ],
      [{ ...mql(), criteria: { all: [{ field: 'crm..a', op: 'exists' }] } }, 'criteria.all[0].field'],
      [{ ...mql(), criteria: { field: 'crm.amount', op: 'gte', value: 'lots' } }, 'criteria.value'],
      [{ ...mql(), timestamp: { field: 'crm.mql_at', withinDays: 91 } }, 'timestamp.withinDays'],
      [{ ...mql(), timestamp: { field: 'crm.mql_at', withinDays: 0 } }, 'timestamp.withinDays'],
      [{ name: 'x', criteria: { field: 'crm.a', op: 'exists' } }, 'timestamp'],
      [{ ...mql(), reentry: 'always' }, 'reentry'],
      [{ ...mql(), criteria: { field: 'traits.plan', op: 'eq', value: 'pro' } }, 'criteria.field'],
      [{ ...mql(), timestamp: { field: 'traits.signed_up_at', withinDays: 7 } }, 'timestamp.field'],
    ];
    for (const [body, path] of cases) {
      const res = await send('/api/audiences', 'POST', body);
      expect(res.status, path).toBe(400);
      const { error } = await json(res);
      expect(error.code).toBe('invalid_audience');
      expect(error.issues[0].path).toBe(path);
      expect(error.message).toContain(path);
    }
    expect((await send('/api/audiences', 'POST', 'not json')).status).toBe(400);
    const list = await json(await api('/api/audiences'));
    expect(list.audiences.filter((a: any) => a.name === 'x')).toEqual([]);
  });

  it('accepts browser traits only with allowTraits', async () => {
    const audience = await createAudience({
      ...mql(),
      criteria: { field: 'traits.plan', op: 'eq', value: 'pro' },
      allowTraits: true,
    });
    expect(audience.allowTraits).toBe(true);
  });

  it('creates, reads, renames without repopulating, edits with a new version, deletes', async () => {
    const created = await createAudience(mql(7));
    expect(created).toMatchObject({
      id: expect.stringMatching(/^aud_/),
      version: 1,
      reentry: 'once',
      allowTraits: false,
      paused: false,
      members: 0,
    });
    expect(created.populate).toMatchObject({ status: expect.any(String), reason: 'created' });
    await settled(created.id);

    const got = await json(await api(`/api/audiences/${created.id}`));
    expect(got).toMatchObject({
      id: created.id,
      name: 'Became MQL',
      timestamp: { field: 'crm.mql_at', withinDays: 7 },
    });

    const renamed = await json(await send(`/api/audiences/${created.id}`, 'PATCH', { name: 'MQL, 7 days' }));
    expect(renamed).toMatchObject({ name: 'MQL, 7 days', version: 1 });
    expect(renamed.populate.jobId).toBe(created.populate.jobId);

    const edited = await json(
      await send(`/api/audiences/${created.id}`, 'PATCH', {
        timestamp: { field: 'crm.mql_at', withinDays: 30 },
        reentry: 'per_timestamp',
      }),
    );
    expect(edited).toMatchObject({ version: 2, reentry: 'per_timestamp', timestamp: { withinDays: 30 } });
    expect(edited.populate).toMatchObject({ reason: 'edited' });
    expect(edited.populate.jobId).not.toBe(created.populate.jobId);

    const bad = await send(`/api/audiences/${created.id}`, 'PATCH', {
      criteria: { all: [{ field: 'crm.x', op: 'between' }] },
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe('criteria.all[0].op');
    expect((await json(await api(`/api/audiences/${created.id}`))).version).toBe(2);

    const del = await api(`/api/audiences/${created.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await api(`/api/audiences/${created.id}`)).status).toBe(404);
    expect((await api(`/api/audiences/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await send(`/api/audiences/${created.id}`, 'PATCH', { name: 'y' })).status).toBe(404);
  });

  it('needs the secret key', async () => {
    const { call } = await import('./helpers');
    expect((await call('/api/audiences')).status).toBe(401);
  });
});

describe('conversion configs', { timeout: 60_000 }, () => {
  it('turns on, lists, changes, refuses bad input and turns off', async () => {
    const audience = await createAudience(mql());
    const dst = await destination('meta', META_SETTINGS);
    const path = `/api/audiences/${audience.id}/conversions`;
    const bad = await send(path, 'POST', { destinationId: dst, currency: 'usd', actionSource: 'fax' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues.map((i: any) => i.path).sort()).toEqual(['actionSource', 'currency']);
    expect((await send(path, 'POST', { eventName: 'Lead' })).status).toBe(400);
    expect((await send(`/api/audiences/aud_nope/conversions`, 'POST', { destinationId: 'd' })).status).toBe(404);

    const res = await send(path, 'POST', { destinationId: dst, eventName: 'Lead', value: 100, currency: 'EUR' });
    expect(res.status).toBe(201);
    const conversion = await json(res);
    expect(conversion).toMatchObject({
      id: expect.stringMatching(/^cv_/),
      audienceId: audience.id,
      sendExisting: true,
      paused: false,
      enabledAt: expect.any(Number),
    });
    expect(conversion.sweep).toMatchObject({ reason: 'conversion' });

    const list = await json(await api(path));
    expect(list.conversions.map((c: any) => c.id)).toEqual([conversion.id]);
    expect((await json(await api(`/api/audiences/${audience.id}`))).conversions).toHaveLength(1);

    const paused = await json(await send(`${path}/${conversion.id}`, 'PATCH', { paused: true, value: 250 }));
    expect(paused).toMatchObject({ paused: true, value: 250, eventName: 'Lead', enabledAt: conversion.enabledAt });
    expect((await send(`${path}/${conversion.id}`, 'PATCH', { destinationId: 'other' })).status).toBe(400);
    expect((await send(`${path}/cv_nope`, 'PATCH', { paused: false })).status).toBe(404);

    expect((await api(`${path}/${conversion.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await json(await api(path))).conversions).toEqual([]);
    expect((await api(`${path}/${conversion.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('conversions and their destination', { timeout: 60_000 }, () => {
  it('refuses a conversion to a destination that is not configured, naming destinationId', async () => {
    const audience = await createAudience(mql());
    const path = `/api/audiences/${audience.id}/conversions`;
    const res = await send(path, 'POST', { destinationId: 'dst_doesnotexist', eventName: 'Lead' });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'invalid_conversion', message: expect.stringContaining('destinationId') });
    expect(body.error.issues).toEqual([
      { path: 'destinationId', message: expect.stringContaining('dst_doesnotexist') },
    ]);
    expect((await json(await api(path))).conversions).toEqual([]);
  });

  it('deleting a destination turns off the conversions sending to it; their unsent rows are cancelled, not left waiting', async () => {
    const dst = await destination('meta', META_SETTINGS);
    const audience = await createAudience(mql(7, { name: 'destination deleted' }));
    await settled(audience.id);
    const path = `/api/audiences/${audience.id}/conversions`;
    const res = await send(path, 'POST', { destinationId: dst, eventName: 'Lead', paused: true });
    expect(res.status).toBe(201);
    const cv = await json(res);
    await settled(audience.id);
    const who = `dst-deleted-${Date.now().toString(36)}@example.com`;
    await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
    expect((await history(who, audience.id)).conversions).toEqual([
      expect.objectContaining({ conversionId: cv.id, status: 'paused' }),
    ]);

    const deleted = await api(`/api/destinations/${dst}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toMatchObject({
      conversionsTurnedOff: [{ audienceId: audience.id, conversionId: cv.id }],
    });
    expect((await json(await api(path))).conversions).toEqual([]);
    const again = await send(path, 'POST', { destinationId: dst });
    expect(again.status).toBe(400);
    expect((await json(again)).error.issues).toEqual([
      { path: 'destinationId', message: `destination ${dst} was deleted` },
    ]);

    // The sweep the deletion started: the row ends `cancelled`.
    await settled(audience.id);
    expect((await history(who, audience.id)).conversions).toEqual([
      expect.objectContaining({ conversionId: cv.id, status: 'cancelled' }),
    ]);
  });
});
