// The outbox's gate (DestinationObject.conversionGate) in a conversion's first seconds: the per-isolate
// audience config cache lasts CONFIG_TTL_MS (5 s), so an isolate that cached the config just before a
// conversion was turned on or resumed elsewhere (no invalidation here) does not know it yet. A row of
// that conversion must still be sent at its first flush: not cancelled as if the conversion had been
// deleted, not held as if it were still paused. A real DestinationObject in dry_run (the exact request
// is recorded, nothing leaves).
import { describe, expect, it } from 'vitest';
import {
  CONFIG_TTL_MS,
  invalidateAudienceConfig,
  loadAudienceConfig,
  noteAudienceConfig,
} from '../../collector/audiences/config-cache';
import type { AudienceConfig, StoredConversion } from '../../collector/audiences/types';
import { conversionKey } from '../../collector/delivery/conversion-row';
import { personByEmail } from '../../collector/identity';
import {
  createAudience,
  DAY,
  destination,
  env,
  history,
  META_SETTINGS,
  mql,
  settled,
  upsert,
} from './audiences-helpers';
import { configObject, destinationById } from '../../collector/objects/doors';

/** The conversions of an audience as this isolate's cache has them: [id, paused]. */
const cachedHere = async (audienceId: string) =>
  (await loadAudienceConfig(env)).audiences
    .find((a) => a.id === audienceId)!
    .conversions.map((c) => [c.id, !!c.paused]);

/**
 * A destination and an audience; `before` may turn a conversion on, then this isolate caches the
 * config, then `change` turns on or changes a conversion on the ConfigObject (as from another isolate:
 * this cache is not told) and returns it. A person then enters and their row of it is handed to the
 * destination, as the conversion's sweep does (on the fresh config).
 */
async function enterAfterChangeElsewhere(
  name: string,
  before: (audienceId: string, dst: string) => Promise<StoredConversion | undefined>,
  change: (audienceId: string, dst: string, cv: StoredConversion | undefined) => Promise<StoredConversion>,
) {
  const dst = await destination('meta', META_SETTINGS);
  const audience = await createAudience(mql(7, { name }));
  await settled(audience.id);
  const earlier = await before(audience.id, dst);
  invalidateAudienceConfig();
  const staleConfig = await loadAudienceConfig(env);
  const cached = await cachedHere(audience.id);
  const cachedAt = Date.now();
  const cv = await change(audience.id, dst, earlier);
  const who = `gate-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`;
  await upsert(who, 'crm', { lifecycle: 'mql', mql_at: Date.now() - DAY }, Date.now());
  const fresh = (await configObject(env).audienceConfig()) as AudienceConfig;
  await (await personByEmail(env, who)).evaluateAudiences(Date.now(), fresh);
  // That evaluation put the fresh config in its isolate's cache, which here is also the destination's;
  // a destination in another isolate may still hold the older one: put it back.
  invalidateAudienceConfig();
  noteAudienceConfig(staleConfig, () => cachedAt);
  const entry = (await history(who, audience.id)).entries[0]!;
  const outbox = destinationById(env, dst);
  const key = await conversionKey(entry.id, cv);
  // The enqueue wakes the outbox at once: its own alarm may already have flushed the row (on this
  // isolate's cache as well), so it is queued or already sent, never anything else.
  expect(await outbox.logEntry(key)).toMatchObject({
    status: expect.stringMatching(/^(queued|sent)$/),
    conversionId: cv.id,
  });
  return { outbox, key, audienceId: audience.id, cv, cached, cachedAt };
}

async function turnOnElsewhere(audienceId: string, dst: string, extra: object = {}): Promise<StoredConversion> {
  const created = (await configObject(env).createConversion(
    audienceId,
    { destinationId: dst, ...extra },
    Date.now(),
  )) as { ok: boolean; value: StoredConversion };
  expect(created.ok).toBe(true);
  return created.value;
}

/** The first flush, still inside the cache's lifetime, with the cache still behind: the row is sent. */
async function sentAtFirstFlush(r: Awaited<ReturnType<typeof enterAfterChangeElsewhere>>) {
  await r.outbox.flushNow();
  expect(Date.now() - r.cachedAt).toBeLessThan(CONFIG_TTL_MS);
  expect(await cachedHere(r.audienceId)).toEqual(r.cached);
  expect(await r.outbox.logEntry(r.key)).toMatchObject({
    status: 'sent',
    conversionId: r.cv.id,
    skipReason: null,
    note: expect.stringContaining('dry_run'),
  });
}

describe('the outbox gate on a conversion in its first seconds', { timeout: 120_000 }, () => {
  it('sends the first row of a conversion just turned on, although this isolate cached the config before it existed', async () => {
    const r = await enterAfterChangeElsewhere(
      'gate: just turned on',
      async () => undefined,
      (audienceId, dst) => turnOnElsewhere(audienceId, dst),
    );
    expect(r.cached).toEqual([]);
    await sentAtFirstFlush(r);
  });

  it('sends a row of a conversion just resumed, although this isolate cached it as paused (not held for HOLD_MS)', async () => {
    const r = await enterAfterChangeElsewhere(
      'gate: just resumed',
      (audienceId, dst) => turnOnElsewhere(audienceId, dst, { paused: true }),
      async (audienceId, _dst, cv) => {
        expect(
          await configObject(env).updateConversion(audienceId, cv!.id, { paused: false }, Date.now()),
        ).toMatchObject({ ok: true });
        return cv!;
      },
    );
    expect(r.cached).toEqual([[r.cv.id, true]]);
    await sentAtFirstFlush(r);
  });
});
