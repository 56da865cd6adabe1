// Per-isolate cache of the audience config (ARCHITECTURE.md §3: never a round trip per request).
// Populate jobs bypass it and pass the fresh config along; the PersonObject that receives it puts it
// here (noteAudienceConfig), so the person's next change in this isolate is not evaluated with the
// config of before the save. Versions only go up (the ConfigObject bumps one per change).
import type { Env } from '../env';
import type { AudienceConfig } from './types';
import { configObject } from '../objects/doors';

export const CONFIG_TTL_MS = 5_000;

// Plain data only: a promise shared between requests (or objects) would tie them together.
let cached: { config: AudienceConfig; fetchedAt: number } | null = null;

/**
 * The config, from the cache while it is younger than CONFIG_TTL_MS and at least `minVersion`;
 * otherwise fetched from the ConfigObject (and cached).
 */
export async function loadAudienceConfig(
  env: Env,
  clock: () => number = Date.now,
  minVersion = 0,
): Promise<AudienceConfig> {
  if (cached && clock() - cached.fetchedAt < CONFIG_TTL_MS && cached.config.version >= minVersion) return cached.config;
  const config = await configObject(env).audienceConfig();
  // A newer config noted while this fetch was in flight stays.
  if (!cached || config.version >= cached.config.version) cached = { config, fetchedAt: clock() };
  return cached.config.version > config.version ? cached.config : config;
}

/** The config read from the ConfigObject now, whatever the cache holds (then cached when newer). */
export async function refreshAudienceConfig(env: Env, clock: () => number = Date.now): Promise<AudienceConfig> {
  const config = await configObject(env).audienceConfig();
  noteAudienceConfig(config, clock);
  return config;
}

/**
 * A config received from elsewhere (a populate job's, read from the ConfigObject when its page
 * started): cached when newer than what the cache holds, so later evaluations in this isolate use it.
 */
export function noteAudienceConfig(config: AudienceConfig, clock: () => number = Date.now): void {
  if (!cached || config.version > cached.config.version) cached = { config, fetchedAt: clock() };
}

/** Called after every config write made from this isolate. */
export function invalidateAudienceConfig(): void {
  cached = null;
}
