// Per-isolate cache of the audience config (ARCHITECTURE.md §3: never a round trip per request).
// Populate jobs bypass it and pass the fresh config along, so a save is never evaluated stale.
import type { Env } from '../env';
import { configObject } from '../objects/config';
import type { AudienceConfig } from './types';

export const CONFIG_TTL_MS = 5_000;

// Plain data only: a promise shared between requests (or objects) would tie them together.
let cached: { config: AudienceConfig; fetchedAt: number } | null = null;

export async function loadAudienceConfig(env: Env, clock: () => number = Date.now): Promise<AudienceConfig> {
  if (cached && clock() - cached.fetchedAt < CONFIG_TTL_MS) return cached.config;
  const config = await configObject(env).audienceConfig();
  cached = { config, fetchedAt: clock() };
  return config;
}

/** Called after every config write made from this isolate. */
export function invalidateAudienceConfig(): void {
  cached = null;
}
