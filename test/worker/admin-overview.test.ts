// The overview: counts from the directory shards and the destinations, and the 30-day chart as
// accessible inline SVG with a table of the same numbers.
import { describe, expect, it } from 'vitest';
import { api, collect, env, identifyEvent, PK, waitForJob } from './helpers';
import { get, signIn } from './admin-helpers';
import { runInDurableObject } from 'cloudflare:test';

const numberIn = (html: string, id: string) => Number(new RegExp(`id="${id}">(\\d+)<`).exec(html)?.[1]);

describe('admin overview', { timeout: 30_000 }, () => {
  it('counts people, identifies this week, click IDs by platform, conversions by status, and charts conversions per day', async () => {
    const { cookies } = await signIn();
    const before = await (await get('/admin/overview', cookies)).text();
    const now = Date.now();
    const res = await collect({
      key: PK,
      events: [
        identifyEvent('overview.one@example.com', {
          anonymousId: 'anon_overview_1',
          touches: [
            { kind: 'gclid', value: 'Cj0KCQoverview_1', firstSeen: now - 3_600_000 },
            { kind: 'fbclid', value: 'IwAR_overview_1', firstSeen: now - 7_200_000 },
          ],
        }),
        identifyEvent('overview.two@example.com', {
          anonymousId: 'anon_overview_2',
          touches: [{ kind: 'gclid', value: 'Cj0KCQoverview_2', firstSeen: now - 3_600_000 }],
        }),
      ],
    });
    expect(res.status).toBe(200);
    // Someone only pushed from a CRM is new, but not identified.
    const pushed = await api('/v1/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        people: [{ email: 'overview.crm@example.com', source: 'crm', attributes: { stage: 'sql' } }],
      }),
    });
    expect(pushed.status).toBe(202);
    await waitForJob(((await pushed.json()) as { jobId: string }).jobId);
    // A destination with two conversion rows (one today, one ten days ago) in its outbox.
    const created = await api('/api/destinations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'meta',
        name: 'Chart <pixel>',
        mode: 'dry_run',
        settings: { pixelId: '123', accessToken: 'EAA-overview-token' },
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await runInDurableObject(env.DESTINATION.get(env.DESTINATION.idFromName(id)), (_o, state) => {
      const insert = `INSERT INTO outbox (id, item, status, attempts, due_at, created_at, updated_at) VALUES (?, NULL, ?, 0, ?, ?, ?)`;
      state.storage.sql.exec(insert, 'a'.repeat(32), 'failed', now, now, now);
      state.storage.sql.exec(insert, 'b'.repeat(32), 'sent', now, now - 10 * 86_400_000, now);
      state.storage.sql.exec(insert, 'c'.repeat(32), 'sent', now, now - 40 * 86_400_000, now);
    });

    await expect
      .poll(async () => numberIn(await (await get('/admin/overview', cookies)).text(), 'stat-people'), {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(numberIn(before, 'stat-people') + 3);
    await expect
      .poll(async () => numberIn(await (await get('/admin/overview', cookies)).text(), 'stat-identified'), {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(numberIn(before, 'stat-identified') + 2);
    const html = await (await get('/admin/overview', cookies)).text();
    expect(numberIn(html, 'stat-identified')).toBe(numberIn(before, 'stat-identified') + 2);
    expect(numberIn(html, 'stat-new')).toBe(numberIn(before, 'stat-new') + 3);
    expect(numberIn(html, 'stat-clicks')).toBe(numberIn(before, 'stat-clicks') + 3);
    expect(html).toMatch(/<th scope="row">Google<\/th><td>\d+<\/td><td>gclid \d+/);
    expect(html).toMatch(/<th scope="row">Meta<\/th><td>\d+<\/td><td>fbclid \d+/);
    expect(html).toMatch(/href="\/admin\/conversions\?status=failed">failed<\/a><\/th><td>\d+<\/td>/);

    // The chart: a titled, described SVG; the name escaped; today's and 10 days ago's rows in the table, the 40-day-old one outside it.
    expect(html).toContain('<svg viewBox="0 0 640 240" role="img" aria-labelledby="chart-title chart-desc"');
    expect(html).toContain('<title id="chart-title">Conversions per day per destination, last 30 days (UTC)</title>');
    expect(html).toContain('Chart &lt;pixel&gt; 2');
    expect(html).not.toContain('Chart <pixel>');
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const table = html.slice(html.indexOf('<caption'));
    const col = [...table.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]).indexOf('Chart &lt;pixel&gt;');
    const cell = (d: string) => {
      const row = new RegExp(`<tr><th scope="row">${d}</th>((?:<td>\\d+</td>)+)</tr>`).exec(table)?.[1];
      return row ? Number([...row.matchAll(/<td>(\d+)<\/td>/g)][col - 1]![1]) : undefined;
    };
    expect(cell(day(now))).toBe(1);
    expect(cell(day(now - 10 * 86_400_000))).toBe(1);
    expect(cell(day(now - 40 * 86_400_000))).toBeUndefined();
  });
});
