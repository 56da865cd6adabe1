// The conversions log in the admin: rows from every destination, filtered by status, audience and
// destination; each expands to its payload, request and response; failed rows can be retried.
import { describe, expect, it } from 'vitest';
import { runInDurableObject } from 'cloudflare:test';
import { api, env } from './helpers';
import { personKey } from '../../collector/identity';
import { get, post, signIn } from './admin-helpers';
import { destinationById } from '../../collector/objects/doors';

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const dst = (id: string) => destinationById(env, id);

async function destination(name: string) {
  const res = await api(
    '/api/destinations',
    json({
      type: 'meta',
      name,
      mode: 'dry_run',
      settings: { pixelId: '4242', accessToken: 'EAA-conversions-log-token' },
    }),
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('admin conversions log', { timeout: 30_000 }, () => {
  it('lists, filters, expands and retries', async () => {
    const now = Date.now();
    const a = await destination('Log <Meta>');
    const b = await destination('Other pixel');
    const audience = (await (
      await api(
        '/api/audiences',
        json({
          name: 'Log audience',
          criteria: { all: [{ field: 'crm.stage', op: 'eq', value: 'sql' }] },
          timestamp: { field: 'crm.sql_at', withinDays: 30 },
        }),
      )
    ).json()) as { id: string };
    const cnv = (await (await api(`/api/audiences/${audience.id}/conversions`, json({ destinationId: a }))).json()) as {
      id: string;
    };
    expect(cnv.id).toBeTruthy();
    const entry = 'e'.repeat(32);
    const row = {
      id: entry,
      key: `${entry}:${cnv.id}`,
      eventTime: Math.floor(now / 1000) - 60,
      email: 'log.person@example.com',
      touches: [],
      devices: [],
      attributes: {},
      conversion: { eventName: 'Lead' },
      origin: {
        audienceId: audience.id,
        conversionId: cnv.id,
        personKey: await personKey(env, 'log.person@example.com'),
      },
    };
    expect(await dst(a).enqueue([row])).toMatchObject({ ok: true, value: { queued: 1 } });
    await dst(a).flushNow();
    await runInDurableObject(env.DESTINATION.get(env.DESTINATION.idFromName(b)), (_o, state) => {
      state.storage.sql.exec(
        `INSERT INTO outbox (id, item, status, attempts, due_at, error, created_at, updated_at) VALUES (?, ?, 'failed', 3, ?, ?, ?, ?)`,
        'f'.repeat(32),
        JSON.stringify({ event_id: 'f'.repeat(32) }),
        now,
        JSON.stringify({ code: 'OAuthException', message: 'Invalid <token>' }),
        now - 1000,
        now,
      );
    });

    const { cookies, csrf } = await signIn();
    const all = await (await get('/admin/conversions', cookies)).text();
    expect(all).toContain('Log &lt;Meta&gt;');
    expect(all).not.toContain('Log <Meta>');
    expect(all).toContain('Log audience');
    expect(all).toContain(`<code>${a}:${row.key}</code>`);
    expect(all).toContain('f'.repeat(32));
    // The dry run's request is there, credentials redacted; this conversion's event hashed; the whole body one click away.
    expect(all).toContain('/4242/events');
    expect(all).toContain('[REDACTED]');
    expect(all).not.toContain('EAA-conversions-log-token');
    expect(all).toContain('&quot;event_name&quot;: &quot;Lead&quot;');
    expect(all).toContain(`href="/admin/people/log.person%40example.com"`);
    const whole = await (await get(`/admin/conversions/${encodeURIComponent(`${a}:${row.key}`)}`, cookies)).text();
    expect(whole).toContain('&quot;data&quot;: [');
    expect(whole).not.toContain('EAA-conversions-log-token');
    expect((await get('/admin/conversions/nope', cookies)).status).toBe(404);
    expect(all).toContain('Invalid &lt;token&gt;');

    const failed = await (await get('/admin/conversions?status=failed', cookies)).text();
    expect(failed).toContain('f'.repeat(32));
    expect(failed).not.toContain(row.key);
    expect(failed).toContain('Retry this conversion');
    const byAudience = await (await get(`/admin/conversions?audience=${audience.id}`, cookies)).text();
    expect(byAudience).toContain(row.key);
    expect(byAudience).not.toContain('f'.repeat(32));
    const byDestination = await (await get(`/admin/conversions?destination=${b}`, cookies)).text();
    expect(byDestination).toContain('f'.repeat(32));
    expect(byDestination).not.toContain(row.key);
    const weird = await (await get(`/admin/conversions?status=%3Cx%3E`, cookies)).text(); // refused inline, not echoed; the log shown unfiltered
    expect(weird).toContain('That filter was not used: status is one of');
    expect(weird).toContain(row.key);
    expect(weird).not.toContain('<x>');

    // Retry: refused without the token; with it the row is queued again and the change audited.
    const failedId = `${b}:${'f'.repeat(32)}`;
    expect((await post('/admin/conversions/retry', { id: failedId }, cookies)).status).toBe(403);
    const retried = await post(
      '/admin/conversions/retry',
      { _csrf: csrf, id: failedId, back: '/admin/conversions?status=failed' },
      cookies,
    );
    expect(retried.status).toBe(303);
    expect(retried.headers.get('location')).toBe('/admin/conversions?status=failed&done=retried');
    // Queued again (a dry-run destination's alarm may already have recorded it as sent).
    expect(['queued', 'leased', 'sent']).toContain((await dst(b).logEntry('f'.repeat(32)))?.status);
    const again = await post(
      '/admin/conversions/retry',
      { _csrf: csrf, id: failedId, back: 'https://evil.example/' },
      cookies,
    );
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Only failed or dead-lettered conversions can be retried');
    expect(await (await get('/admin/change-log', cookies)).text()).toContain('conversion.retried');
  });

  it('an off-site back link is not followed', async () => {
    const b = await destination('Back test');
    await runInDurableObject(env.DESTINATION.get(env.DESTINATION.idFromName(b)), (_o, state) => {
      state.storage.sql.exec(
        `INSERT INTO outbox (id, item, status, attempts, due_at, created_at, updated_at) VALUES (?, NULL, 'dead_letter', 8, 0, 1, 1)`,
        'd'.repeat(32),
      );
    });
    const { cookies, csrf } = await signIn();
    const res = await post(
      '/admin/conversions/retry',
      { _csrf: csrf, id: `${b}:${'d'.repeat(32)}`, back: '//evil.example/admin/conversions' },
      cookies,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/conversions?done=retried');
  });
});
