// The admin's Identity page: the mapping edited per deployment, tried on a real person.
import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import { get, post, signIn } from './admin-helpers';
import { createAudience, DAY, destination, META_SETTINGS, settled, turnOn, upsert } from './audiences-helpers';

describe('admin identity page', { timeout: 30_000 }, () => {
  it('shows the defaults, saves a mapping, refuses a bad path inline, and previews a person', async () => {
    const { cookies, csrf } = await signIn();
    const res = await get('/admin/identity', cookies);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('aria-current="page"');
    expect(html).toContain('hubspot.phone, hubspot.mobilephone');

    const bad = await post('/admin/identity', { _csrf: csrf, phone: 'crm..phone' }, cookies);
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Phone:');
    expect(badHtml).toContain('crm..phone'); // kept in the box
    expect((await post('/admin/identity', { phone: 'crm.cell' }, cookies)).status).toBe(403);

    try {
      const saved = await post(
        '/admin/identity',
        { _csrf: csrf, phone: 'crm.cell\nhubspot.phone', jobTitle: 'none' },
        cookies,
      );
      expect(saved.status).toBe(303);
      expect(((await (await api('/api/identity-mapping')).json()) as any).mapping).toEqual({
        phone: ['crm.cell', 'hubspot.phone'],
        jobTitle: [],
      });

      const email = `admin-ident-${Date.now()}@example.com`;
      const now = Date.now();
      await upsert(email, 'crm', { cell: '+1 (650) 555-1212', title: 'CTO' }, now);
      await upsert(email, 'hubspot', { firstname: 'Ann', phone: { bad: true } }, now);
      const preview = await (await get(`/admin/identity?email=${encodeURIComponent(email)}`, cookies)).text();
      expect(preview).toContain('<code>crm.cell</code>');
      expect(preview).toContain('+16505551212'); // Google / Microsoft E.164
      expect(preview).toContain('<code>hubspot.firstname</code>');
      expect(preview).toContain('not mapped'); // job title turned off
      const missing = await (await get('/admin/identity?email=nobody-ident%40example.com', cookies)).text();
      expect(missing).toContain('There is no person with that email.');
    } finally {
      await post('/admin/identity', { _csrf: csrf }, cookies);
    }
    expect(((await (await api('/api/identity-mapping')).json()) as any).mapping).toEqual({});
  });

  it("the audience's member audit lists each identifier's source field or why it is absent", async () => {
    const { cookies } = await signIn();
    const now = Date.now();
    const email = `admin-audit-ident-${now}@example.com`;
    const audience = await createAudience({
      name: 'Ident audit',
      criteria: { field: 'crm.stage', op: 'eq', value: 'sql' },
      timestamp: { field: 'crm.sql_at', withinDays: 7 },
    });
    await turnOn(audience.id, { destinationId: await destination('meta', META_SETTINGS) });
    await upsert(
      email,
      'crm',
      {
        stage: 'sql',
        sql_at: new Date(now - DAY).toISOString(),
        phone: '+44 20 7946 0958',
        first_name: ['not', 'text'],
      },
      now,
    );
    await settled(audience.id);
    const html = await (await get(`/admin/audiences/${audience.id}/members`, cookies)).text();
    expect(html).toContain('phone: <code>crm.phone</code>');
    expect(html).toContain('Would send: email, phone');
    expect(html).toContain('skipped crm.first_name: holds a list, not text');
  });

  it('the conversion form takes an identity mapping for that conversion, and names a bad line', async () => {
    const { cookies, csrf } = await signIn();
    const audience = await createAudience({
      name: 'Ident form',
      criteria: { field: 'crm.stage', op: 'eq', value: 'sql' },
      timestamp: { field: 'crm.sql_at', withinDays: 7 },
    });
    const dst = await destination('meta', META_SETTINGS);
    const bad = await post(
      `/admin/audiences/${audience.id}/conversions`,
      { _csrf: csrf, destinationId: dst, identityMapping: 'nickname: crm.nick' },
      cookies,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('is not &quot;identifier: path, path&quot;');
    const ok = await post(
      `/admin/audiences/${audience.id}/conversions`,
      { _csrf: csrf, destinationId: dst, identityMapping: 'phone: crm.cell, hubspot.phone\njobTitle: none' },
      cookies,
    );
    expect(ok.status).toBe(303);
    const list = (await (await api(`/api/audiences/${audience.id}/conversions`)).json()) as any;
    expect(list.conversions[0].identityMapping).toEqual({ phone: ['crm.cell', 'hubspot.phone'], jobTitle: [] });
  });
});
