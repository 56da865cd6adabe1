// What the ladders API and the admin's Ladders page both do after the ConfigObject's write: start
// the populate of each audience a ladder created, the sweep of each that got conversions, and the
// cancelling sweep of each audience deleted with its ladder.
import type { Env } from '../env';
import { invalidateAudienceConfig } from '../audiences/config-cache';
import { startPopulate } from '../audiences/populate';
import type { Outcome } from '../objects/config-audiences';
import type { StoredLadder } from '../objects/config-ladders';
import { configObject } from '../objects/doors';

export async function createLadder(
  env: Env,
  body: unknown,
  now: number,
): Promise<Outcome<{ ladder: StoredLadder; createdAudiences: string[] }>> {
  const out = await configObject(env).createLadder(body, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  const { ladder, createdAudiences, convertedAudiences } = out.value;
  await Promise.all([
    ...createdAudiences.map((a) => startPopulate(env, a.id, a.version, 'created', now)),
    ...convertedAudiences.map((a) => startPopulate(env, a.id, a.version, 'conversion', now)),
  ]);
  return { ok: true, value: { ladder, createdAudiences: createdAudiences.map((a) => a.id) } };
}

export async function deleteLadder(
  env: Env,
  id: string,
  options: { withAudiences: boolean },
  now: number,
): Promise<{ ladder: StoredLadder; deletedAudiences: string[] } | null> {
  const out = await configObject(env).deleteLadder(id, options);
  if (!out) return null;
  if (out.deletedAudiences.length) {
    invalidateAudienceConfig();
    // Each member's PersonObject cancels the audience's unsent conversion rows on this sweep.
    await Promise.all(out.deletedAudiences.map((a) => startPopulate(env, a.id, a.version, 'deleted', now)));
  }
  return { ladder: out.ladder, deletedAudiences: out.deletedAudiences.map((a) => a.id) };
}

export async function addLadderSend(
  env: Env,
  id: string,
  body: unknown,
  now: number,
): Promise<Outcome<{ ladder: StoredLadder; conversionsOn: string[] }>> {
  const out = await configObject(env).addLadderSend(id, body, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  // Existing entries get their rows (or skips) on each audience's sweep, as at turn-on.
  await Promise.all(out.value.convertedAudiences.map((a) => startPopulate(env, a.id, a.version, 'conversion', now)));
  return {
    ok: true,
    value: { ladder: out.value.ladder, conversionsOn: out.value.convertedAudiences.map((a) => a.id) },
  };
}
