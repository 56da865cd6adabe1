// A PersonObject never evaluates with a config older than one it has already evaluated with, and the
// fresh config a populate job brings refreshes its isolate's cache (collector/audiences/config-cache.ts):
// a change right after populate reached the person is not evaluated with the cache from before the save.
// (From the reviewer's probe test/worker/review5-stale-config.test.ts.)
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { invalidateAudienceConfig, loadAudienceConfig } from '../../collector/audiences/config-cache';
import type { AudienceConfig } from '../../collector/audiences/types';
import { personByEmail, personKey } from '../../collector/identity';
import { env, history, upsert } from './audiences-helpers';
import { configObject } from '../../collector/objects/doors';

let n = 0;
const email = () => `cfgver-${Date.now().toString(36)}-${n++}@example.com`;

/** The save, as the API does it from another isolate: this isolate's cache is not dropped. */
async function saveElsewhere(
  name: string,
  status: string,
  now: number,
): Promise<{ id: string; fresh: AudienceConfig }> {
  const created = (await configObject(env).createAudience(
    {
      name,
      criteria: { field: `crm.${name}_status`, op: 'eq', value: status },
      timestamp: { field: `crm.${name}_at`, withinDays: 7 },
    },
    now,
  )) as { ok: true; value: { id: string } };
  return { id: created.value.id, fresh: (await configObject(env).audienceConfig()) as AudienceConfig };
}

describe('config versions', { timeout: 60_000 }, () => {
  it('a change right after populate is evaluated with the config populate brought, not the older cached one', async () => {
    const now = Date.now();
    const who = email();
    await upsert(who, 'crm', { stale_status: 'lead' }, now);
    // This isolate's cache holds the config of before the save (it lives CONFIG_TTL_MS).
    const before = await loadAudienceConfig(env);
    const { id, fresh } = await saveElsewhere('stale', 'mql', now);
    expect(fresh.version).toBeGreaterThan(before.version);
    const stub = await personByEmail(env, who);
    // Populate reaches the person with the fresh config: not a member yet.
    expect((await stub.evaluateAudiences(now, fresh, { returnIndex: true })).members).not.toContain(id);
    // A second later the CRM makes them MQL: the person's own evaluation, from the isolate's cache.
    const key = await personKey(env, who);
    await stub.upsertAttributes({
      key,
      email: who,
      rows: [{ source: 'crm', attributes: { stale_status: 'mql', stale_at: new Date(now).toISOString() } }],
      now: now + 1000,
    });
    await runDurableObjectAlarm(stub);
    expect((await history(who, id)).entries).toHaveLength(1);
    // The cache now holds the fresh config too (other people in this isolate are evaluated with it).
    expect((await loadAudienceConfig(env)).version).toBeGreaterThanOrEqual(fresh.version);
  });

  it('a change a moment after an edit saved elsewhere does not enter the person on the criteria the edit replaced', async () => {
    const now = Date.now();
    const who = email();
    const { id } = await saveElsewhere('narrow', 'mql', now);
    await upsert(who, 'crm', { narrow_status: 'lead' }, now);
    // This isolate caches the audience as first saved; then it is narrowed from another isolate.
    invalidateAudienceConfig();
    const before = await loadAudienceConfig(env);
    expect(before.audiences.some((a) => a.id === id)).toBe(true);
    const edited = await configObject(env).updateAudience(
      id,
      {
        criteria: {
          all: [
            { field: 'crm.narrow_status', op: 'eq', value: 'mql' },
            { field: 'crm.narrow_score', op: 'gte', value: 50 },
          ],
        },
      },
      now,
    );
    expect(edited).toMatchObject({ ok: true });
    // Within the cache's lifetime the CRM makes them MQL with a low score: in on the old criteria only.
    const stub = await personByEmail(env, who);
    const key = await personKey(env, who);
    await stub.upsertAttributes({
      key,
      email: who,
      rows: [
        {
          source: 'crm',
          attributes: { narrow_status: 'mql', narrow_score: 10, narrow_at: new Date(now).toISOString() },
        },
      ],
      now: now + 1000,
    });
    await runDurableObjectAlarm(stub);
    expect((await history(who, id)).entries).toEqual([]);
    // A score that passes the edited criteria enters them.
    await stub.upsertAttributes({
      key,
      email: who,
      rows: [{ source: 'crm', attributes: { narrow_score: 80 } }],
      now: now + 2000,
    });
    expect((await history(who, id)).entries).toHaveLength(1);
  });

  it('a config older than one the person was evaluated with is not used (a populate page read before a later save)', async () => {
    const now = Date.now();
    const who = email();
    await upsert(who, 'crm', { older_status: 'lead' }, now);
    const stale = (await configObject(env).audienceConfig()) as AudienceConfig;
    const { id, fresh } = await saveElsewhere('older', 'mql', now);
    const stub = await personByEmail(env, who);
    const key = await personKey(env, who);
    await stub.upsertAttributes({
      key,
      email: who,
      rows: [{ source: 'crm', attributes: { older_status: 'mql', older_at: new Date(now).toISOString() } }],
      now: now + 1000,
    });
    // Evaluated with the fresh config: a member.
    expect((await stub.evaluateAudiences(now + 1000, fresh)).members).toContain(id);
    // A page of an older job arrives with the config it read before the save (no such audience):
    // evaluating with it would end the membership as if the audience had been deleted.
    const late = await stub.evaluateAudiences(now + 2000, stale, { returnIndex: true });
    expect(late.members).toContain(id);
    expect(late.exits).toEqual([]);
    expect((await history(who, id)).exits).toEqual([]);
  });
});
