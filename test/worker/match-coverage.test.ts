// Match coverage end to end: each conversion row records the keys it carries and its score when it
// is built (delivery log, member audit), and GET /api/coverage turns a small mixed population into
// shares per key, a mean score and the missing key that would lift each destination most.
import { describe, expect, it } from 'vitest';
import { api, collect, identifyEvent, PK } from './helpers';
import {
  createAudience,
  DAY,
  destination,
  GOOGLE_SETTINGS,
  json,
  META_SETTINGS,
  settled,
  turnOn,
  until,
  upsert,
} from './audiences-helpers';
import { get, signIn } from './admin-helpers';

const RUN = Date.now().toString(36);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';

/** A browser identify carrying `touches`, from a US IP with a user agent (the device Meta receives). */
async function browserIdentify(email: string, anon: string, touches: unknown[]) {
  const res = await collect(
    { key: PK, events: [identifyEvent(email, { anonymousId: anon, touches })] },
    { 'cf-connecting-ip': '203.0.113.9', 'user-agent': UA, 'cf-ipcountry': 'US' },
  );
  expect(res.status).toBe(200);
}

describe('match coverage', { timeout: 120_000 }, () => {
  it('records each row’s keys and score when built, and reports shares, mean score and the key that would lift most', async () => {
    const now = Date.now();
    const audience = await createAudience({
      name: `Coverage ${RUN}`,
      criteria: { field: 'crm.stage', op: 'eq', value: `cov-${RUN}` },
      timestamp: { field: 'crm.at', withinDays: 7 },
    });
    const meta = await destination('meta', META_SETTINGS);
    const dm = await destination('google_data_manager', GOOGLE_SETTINGS);
    for (const d of [meta, dm])
      await turnOn(audience.id, { destinationId: d, ...(d === dm ? { conversionAction: '778' } : {}) });

    const people = [
      `cov-a-${RUN}@example.com`,
      `cov-b-${RUN}@example.com`,
      `cov-c-${RUN}@example.com`,
      `cov-d-${RUN}@example.com`,
    ];
    const fresh = `IwAR_cov_fresh_${RUN}`;
    const stale = `IwAR_cov_stale_${RUN}`;
    // A: a Meta click yesterday, Meta's _fbp cookie, a device. B: a Meta click 10 days ago (outside
    // Meta's 7-day click window) and a device. C: known from the CRM only. D: CRM only, with a phone.
    await browserIdentify(people[0]!, `anon_cov_a_${RUN}`, [
      { kind: 'fbclid', value: fresh, firstSeen: now - DAY },
      { kind: 'fbp', value: `fb.1.${now - 2 * DAY}.1234567890`, firstSeen: now - 2 * DAY },
    ]);
    await browserIdentify(people[1]!, `anon_cov_b_${RUN}`, [
      { kind: 'fbclid', value: stale, firstSeen: now - 10 * DAY },
    ]);
    for (const [i, email] of people.entries())
      await upsert(
        email,
        'crm',
        {
          stage: `cov-${RUN}`,
          at: new Date(now - 3_600_000).toISOString(),
          ...(i === 3 ? { phone: '+1 (650) 555-1212' } : {}),
        },
        now,
      );
    await settled(audience.id);

    // The delivery log: each Meta row carries the coverage recorded when it was built.
    const log = await until(
      async () => json(await api(`/api/conversions?audience=${audience.id}&destination=${meta}`)),
      (b: any) => b.conversions?.length === 4,
      'four Meta rows in the log',
    );
    const byEmail = new Map<string, any>(log.conversions.map((r: any) => [r.email, r]));
    expect(byEmail.get(people[0])!.coverage).toEqual({
      keys: ['click_id', 'email', 'fbc', 'fbp', 'ip_user_agent'],
      originatingClick: true,
      score: 7.5,
      scheme: 'meta_emq',
    });
    expect(byEmail.get(people[1])!.coverage).toEqual({
      keys: ['click_id', 'email', 'fbc', 'ip_user_agent'],
      originatingClick: false,
      score: 5.3,
      scheme: 'meta_emq',
    });
    expect(byEmail.get(people[2])!.coverage).toEqual({
      keys: ['email'],
      originatingClick: null,
      score: 3,
      scheme: 'meta_emq',
    });
    expect(byEmail.get(people[3])!.coverage).toEqual({
      keys: ['email', 'phone'],
      originatingClick: null,
      score: 4.5,
      scheme: 'meta_emq',
    });
    expect(byEmail.get(people[0])!.matchKeys).toEqual(byEmail.get(people[0])!.coverage.keys);

    // The member audit shows the same coverage beside the payload, before and after sending.
    const members = await json(await api(`/api/audiences/${audience.id}/members`));
    const audited = members.members
      .find((m: any) => m.email === people[0])
      .conversions.find((c: any) => c.destinationId === meta);
    expect(audited.coverage).toEqual(byEmail.get(people[0])!.coverage);

    // The aggregate over the last 8 weeks.
    const report = await json(await api('/api/coverage?weeks=8'));
    expect(report.weeks).toBe(8);
    const m = report.destinations.find((d: any) => d.id === meta);
    expect(m.weeks).toHaveLength(8);
    expect(m.weeks.at(-1).conversions).toBe(4);
    expect(m.total).toMatchObject({
      conversions: 4,
      meanScore: 5.1,
      shares: { email: 1, fbc: 0.5, fbp: 0.25, ip_user_agent: 0.5, phone: 0.25, originating_click: 0.25 },
    });
    // fbc missing on half the rows (x 2.5 points) costs more than phone (75% x 1.5) or fbp (75% x 1).
    expect(m.lift).toMatchObject({ key: 'fbc', missing: 0.5, gain: 1.3 });
    expect(m.lift.sentence).toMatch(/^50% of Meta conversions lack fbc: install the tag/);
    // Google on our scheme: no gclid anywhere, so the click ID is what would lift it most.
    const g = report.destinations.find((d: any) => d.id === dm);
    expect(g).toMatchObject({
      scheme: 'ours',
      total: { conversions: 4, shares: { email: 1 } },
      lift: { key: 'click_id', missing: 1, gain: 5 },
    });
    expect(g.lift.sentence).toMatch(/^100% of Google conversions lack a click ID: /);

    expect((await api('/api/coverage?weeks=0')).status).toBe(400);
    expect((await json(await api('/api/coverage?weeks=abc'))).error.code).toBe('invalid_query');

    // The admin: the overview names the fix, the log and the person page show the score.
    const { cookies } = await signIn();
    const overview = await (await get('/admin/overview', cookies)).text();
    expect(overview).toContain('<h2 id="coverage">Match coverage, last 8 weeks</h2>');
    expect(overview).toContain('50% of Meta conversions lack fbc: install the tag');
    expect(overview).toMatch(
      /<th scope="row">\d{4}-\d\d-\d\d<\/th><td>4<\/td><td>5\.1<\/td><td>100%<\/td><td>50%<\/td><td>25%<\/td>/,
    );
    const entry = await (
      await get(`/admin/conversions/${encodeURIComponent(byEmail.get(people[1])!.id)}`, cookies)
    ).text();
    expect(entry).toContain('Match coverage <strong>5.3/10</strong>');
    expect(entry).toContain('click ID (outside the click window)');
    expect(entry).toMatch(/lacks phone, fbp, external id, name \+ address/);
    const person = await (await get(`/admin/people/${encodeURIComponent(people[0]!)}`, cookies)).text();
    expect(person).toContain('match coverage 7.5/10: click ID, email, fbc, fbp, IP + user agent');
  });
});
