import { describe, expect, it } from 'vitest';
import {
  anonId,
  api,
  call,
  collect,
  createKey,
  identifyEvent,
  person,
  PK,
  settle,
  SK,
  upsertPeople,
  waitForJob,
} from './helpers';

describe('POST /v1/people', () => {
  it('validates rows at once, answers 202 with the rejected ones, and applies the rest asynchronously', async () => {
    const tag = anonId();
    const res = await upsertPeople({
      people: [
        {
          email: `Ada-${tag}@Example.com`,
          source: 'crm',
          attributes: { lead: { status: 'MQL', score: 40 }, owner: 'kim' },
        },
        { email: 'not-an-email', source: 'crm', attributes: {} },
        { email: `bob-${tag}@example.com`, source: 'hubspot', attributes: { lifecycle: 'lead' } },
        { email: `eve-${tag}@example.com`, source: 'traits', attributes: { plan: 'forged' } },
        { email: `eve-${tag}@example.com`, source: 'Bad Source', attributes: {} },
        { email: `eve-${tag}@example.com`, source: 'crm', attributes: [1, 2] },
      ],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ jobId: expect.stringMatching(/^job_/), accepted: 2 });
    expect(body.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [1, 'invalid_row'],
      [3, 'invalid_row'],
      [4, 'invalid_row'],
      [5, 'invalid_row'],
    ]);
    expect(body.rejected[0].issues[0].path).toBe('email');
    const job = await waitForJob(body.jobId);
    expect(job).toMatchObject({ state: 'done', total: 2, applied: 2, suppressed: 0, failed: 0, rejected: 4 });
    const ada = await person(`ada-${tag}@example.com`);
    expect(ada.attributes.crm).toEqual({ lead: { status: 'MQL', score: 40 }, owner: 'kim' });
    expect(ada.attributeUpdatedAt.crm).toBeGreaterThan(0);
    expect((await person(`bob-${tag}@example.com`)).attributes.hubspot).toEqual({ lifecycle: 'lead' });
    expect(await person(`eve-${tag}@example.com`)).toBeNull();
  });

  it('deep-merges under the source, null deletes a key, rows of one email apply in request order', async () => {
    const email = `merge-${anonId()}@example.com`;
    await waitForJob(
      (
        (await (
          await upsertPeople({
            people: [{ email, source: 'crm', attributes: { lead: { status: 'MQL', score: 40 }, owner: 'kim' } }],
          })
        ).json()) as any
      ).jobId,
    );
    const second = await upsertPeople({
      people: [
        { email, source: 'crm', attributes: { lead: { status: 'SQL' }, owner: null } },
        { email, source: 'crm', attributes: { lead: { score: null, stage: 'won' } } },
        { email, source: 'salesforce', attributes: { id: '003xx' } },
      ],
    });
    await waitForJob(((await second.json()) as any).jobId);
    const p = await person(email);
    expect(p.attributes.crm).toEqual({ lead: { status: 'SQL', stage: 'won' } });
    expect(p.attributes.salesforce).toEqual({ id: '003xx' });
    expect(p.sources.map((s: any) => s.source)).toEqual(['crm', 'salesforce']);
  });

  it('keeps CRM attributes and browser traits apart on the same person, and feeds the directory', async () => {
    const email = `both-${anonId()}@example.com`;
    await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'pro' } })] });
    await waitForJob(
      (
        (await (
          await upsertPeople({ people: [{ email, source: 'crm', attributes: { stage: 'customer' } }] })
        ).json()) as any
      ).jobId,
    );
    await settle(email);
    const p = await person(email);
    expect(p.attributes).toEqual({ traits: { plan: 'pro' }, crm: { stage: 'customer' } });
    const list = (await (await api(`/api/people?query=${encodeURIComponent(email)}`)).json()) as any;
    expect(list.people[0].attributes).toEqual({ traits: { plan: 'pro' }, crm: { stage: 'customer' } });
  });

  it('respects suppression: an erased person is not recreated by a sync', async () => {
    const email = `gone-${anonId()}@example.com`;
    await waitForJob(
      ((await (await upsertPeople({ people: [{ email, source: 'crm', attributes: { a: 1 } }] })).json()) as any).jobId,
    );
    expect((await api(`/api/people/${encodeURIComponent(email)}`, { method: 'DELETE' })).status).toBe(200);
    const job = await waitForJob(
      ((await (await upsertPeople({ people: [{ email, source: 'crm', attributes: { a: 2 } }] })).json()) as any).jobId,
    );
    expect(job).toMatchObject({ applied: 0, suppressed: 1 });
    expect(await person(email)).toBeNull();
  });

  describe('bad requests', () => {
    it('refuses more than 1,000 rows, bodies over 1 MB, an empty list and a wrong envelope', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => ({
        email: `p${i}@example.com`,
        source: 'crm',
        attributes: {},
      }));
      const r1 = await upsertPeople({ people: many });
      expect(r1.status).toBe(400);
      expect(((await r1.json()) as any).error.code).toBe('invalid_request');
      const big = await upsertPeople({
        people: [{ email: 'big@example.com', source: 'crm', attributes: { blob: 'x'.repeat(1_100_000) } }],
      });
      expect(big.status).toBe(413);
      for (const body of [{ people: [] }, { rows: [] }, [], 'null']) {
        const r = await upsertPeople(body);
        expect(r.status).toBe(400);
      }
      const allBad = await upsertPeople({ people: [{ email: 'x', source: 'crm', attributes: {} }] });
      expect(allBad.status).toBe(400);
      expect(((await allBad.json()) as any).error.issues[0]).toMatchObject({ index: 0, code: 'invalid_row' });
    });

    it('refuses a row whose attributes are over 64 KB or nest too deep', async () => {
      let deep: any = { v: 1 };
      for (let i = 0; i < 10; i++) deep = { d: deep };
      const res = await upsertPeople({
        people: [
          { email: 'a@example.com', source: 'crm', attributes: { blob: 'x'.repeat(70_000) } },
          { email: 'b@example.com', source: 'crm', attributes: deep },
          { email: 'c@example.com', source: 'crm', attributes: { ok: true }, extra: 1 },
        ],
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.issues.map((r: any) => r.index)).toEqual([0, 1, 2]);
    });
  });
});

describe('keys and scopes', () => {
  it('an ingest-scoped key may upsert people and read its job, but not the admin API', async () => {
    const { key } = await createKey({ type: 'secret', scope: 'ingest', name: 'crm sync' });
    expect(key).toMatch(/^sk_/);
    const email = `scoped-${anonId()}@example.com`;
    const res = await upsertPeople({ people: [{ email, source: 'crm', attributes: { a: 1 } }] }, key);
    expect(res.status).toBe(202);
    const job = await waitForJob(((await res.json()) as any).jobId, key);
    expect(job.applied).toBe(1);
    const admin = await call('/api/people?query=a', { headers: { authorization: `Bearer ${key}` } });
    expect(admin.status).toBe(403);
    expect(((await admin.json()) as any).error.code).toBe('insufficient_scope');
  });

  it('lists keys without their values or hashes, and a revoked key stops working', async () => {
    const { key, id } = await createKey({ type: 'secret', scope: 'admin' });
    expect((await call('/api/install', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const list = (await (await api('/api/keys')).json()) as any;
    const listed = list.keys.find((k: any) => k.id === id);
    expect(listed).toMatchObject({ type: 'secret', scope: 'admin', hint: expect.stringMatching(/^sk_\.\.\./) });
    expect(JSON.stringify(list)).not.toContain(key);
    expect(listed.hash).toBeUndefined();
    expect((await api(`/api/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await call('/api/install', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('a configured publishable key writes from its own origins only', async () => {
    const { key } = await createKey({ type: 'publishable', origins: ['https://*.shop.test'] });
    const email = `pk-${anonId()}@example.com`;
    const ok = await collect({ key, events: [identifyEvent(email)] }, { origin: 'https://www.shop.test' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://www.shop.test');
    const wrongOrigin = await collect({ key, events: [identifyEvent(email)] }, { origin: 'http://localhost:3000' });
    expect(wrongOrigin.status).toBe(403);
    // A publishable key is no secret key.
    expect((await upsertPeople({ people: [{ email, source: 'crm', attributes: {} }] }, key)).status).toBe(401);
    expect((await upsertPeople({ people: [{ email, source: 'crm', attributes: {} }] }, PK)).status).toBe(401);
  });

  it('refuses malformed key requests', async () => {
    for (const body of [
      { type: 'secret', scope: 'root' },
      { type: 'publishable', origins: [] },
      { type: 'publishable', origins: ['javascript:alert(1)'] },
      { type: 'other' },
    ]) {
      const res = await api('/api/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
    }
    expect((await api('/api/keys/key_nope', { method: 'DELETE' })).status).toBe(404);
  });

  it('GET /api/jobs/{id}: 404 for an unknown job, 400 for a malformed id, 401 without a key', async () => {
    expect((await api('/api/jobs/job_000000000000000000000000')).status).toBe(404);
    expect((await api('/api/jobs/nope')).status).toBe(400);
    expect((await call('/api/jobs/job_000000000000000000000000')).status).toBe(401);
    void SK;
  });
});
