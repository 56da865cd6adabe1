import { invalidateAudienceConfig } from '../audiences/config-cache';
import { startPopulate } from '../audiences/populate';
import type { StoredAudience, StoredConversion } from '../audiences/types';
import type { Env } from '../env';
import type { JobStatus, Outcome } from '../objects/config-audiences';
import type { MemberAudit } from '../audiences/audit';
import { auditPage } from '../audiences/audit';
import { configObject } from '../objects/doors';

// The admin's audience changes, made as /api/audiences makes them: the same ConfigObject calls,
// then the per-isolate config cache dropped and a populate job started where the API starts one.

export async function createAudience(env: Env, body: unknown, now: number): Promise<Outcome<StoredAudience>> {
  const out = await configObject(env).createAudience(body, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  await startPopulate(env, out.value.id, out.value.version, 'created', now);
  return out;
}

export async function updateAudience(
  env: Env,
  id: string,
  patch: unknown,
  now: number,
): Promise<Outcome<StoredAudience>> {
  const out = await configObject(env).updateAudience(id, patch, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  if (out.value.repopulate) await startPopulate(env, id, out.value.audience.version, 'edited', now);
  return { ok: true, value: out.value.audience };
}

export async function deleteAudience(env: Env, id: string, now: number): Promise<boolean> {
  const deleted = await configObject(env).deleteAudience(id);
  if (!deleted) return false;
  invalidateAudienceConfig();
  await startPopulate(env, id, deleted.version, 'deleted', now);
  return true;
}

export async function turnOnConversion(
  env: Env,
  audience: StoredAudience,
  body: unknown,
  now: number,
): Promise<Outcome<StoredConversion>> {
  const out = await configObject(env).createConversion(audience.id, body, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  await startPopulate(env, audience.id, audience.version, 'conversion', now);
  return out;
}

export async function setConversionPaused(
  env: Env,
  audience: StoredAudience,
  conversionId: string,
  paused: boolean,
  now: number,
): Promise<Outcome<StoredConversion>> {
  const config = configObject(env);
  const before = await config.getConversion(audience.id, conversionId);
  const out = await config.updateConversion(audience.id, conversionId, { paused }, now);
  if (!out.ok) return out;
  invalidateAudienceConfig();
  if (before?.paused !== paused) await startPopulate(env, audience.id, audience.version, 'conversion', now);
  return out;
}

export async function turnOffConversion(
  env: Env,
  audience: StoredAudience,
  conversionId: string,
  now: number,
): Promise<boolean> {
  if (!(await configObject(env).deleteConversion(audience.id, conversionId))) return false;
  invalidateAudienceConfig();
  await startPopulate(env, audience.id, audience.version, 'conversion', now);
  return true;
}

export interface AudienceSummary {
  audience: StoredAudience;
  members: number;
  conversions: StoredConversion[];
  populate: JobStatus | null;
}

export async function audienceSummary(env: Env, audience: StoredAudience): Promise<AudienceSummary> {
  const config = configObject(env);
  const [populate, members, conversions] = await Promise.all([
    config.latestAudienceJob(audience.id),
    config.countMembers(audience.id),
    config.listConversions(audience.id),
  ]);
  return { audience, members, conversions, populate };
}

/** One page of the member audit, as GET /api/audiences/{id}/members builds it. */
export async function auditMembers(
  env: Env,
  audienceId: string,
  cursor: string,
  limit: number,
  now: number,
): Promise<{ members: (MemberAudit & { memberSince: number })[]; next: string | null }> {
  return auditPage(env, audienceId, cursor, limit, now);
}
