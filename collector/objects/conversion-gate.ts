// The gate between a destination's outbox and the audiences' conversions: a row handed over by a
// conversion is sent while that conversion and its audience are live, held while either is paused,
// cancelled once the conversion is deleted. Apart from the DestinationObject because it is the one
// place delivery reads the audience configuration (the per-isolate cache, then the config object).
import type { Env } from '../env';
import type { OutboxEntry } from '../delivery/outbox';
import { loadAudienceConfig } from '../audiences/config-cache';
import type { AudienceConfig } from '../audiences/types';
import { configObject } from './doors';

/**
 * Rows handed over by an audience follow its conversion after hand-off: held while it (or its
 * audience) is paused, cancelled once it is deleted. The per-isolate config cache can lag a
 * conversion just turned on or resumed (for up to CONFIG_TTL_MS), so unless the cache has every
 * conversion of the queued rows live, the config is read fresh before anything is held (for
 * HOLD_MS) or cancelled (for good).
 */
export async function conversionGate(
  sql: SqlStorage,
  env: Env,
): Promise<(e: OutboxEntry) => 'send' | 'hold' | 'cancel'> {
  const ids = sql
    .exec<{ id: string }>(
      `SELECT DISTINCT conversion_id AS id FROM outbox WHERE conversion_id IS NOT NULL AND status IN ('queued', 'leased')`,
    )
    .toArray();
  if (!ids.length) return () => 'send';
  const states = (c: AudienceConfig) =>
    new Map(c.audiences.flatMap((a) => a.conversions.map((v) => [v.id, !!(a.paused || v.paused)] as const)));
  let known = states(await loadAudienceConfig(env));
  if (ids.some((r) => known.get(r.id) !== false))
    known = states((await configObject(env).audienceConfig()) as AudienceConfig);
  return (e) =>
    !e.conversionId ? 'send' : !known.has(e.conversionId) ? 'cancel' : known.get(e.conversionId) ? 'hold' : 'send';
}
