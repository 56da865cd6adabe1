import { invalidateKeyCache } from '../keys';
import type { Env } from '../env';
import { configObject } from '../objects/doors';

// The origin patterns /api/keys accepts: scheme and host (a `*` for labels), an optional port or `:*`.
export const ORIGIN_PATTERN = /^https?:\/\/[a-z0-9*.-]+(:(\d{1,5}|\*))?$/i;
export const MAX_ORIGINS = 50;

/** Origins typed one per line or comma-separated; a trailing slash is forgiven. */
export function readOrigins(text: string): { origins: string[]; error?: string } {
  const origins = [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    ),
  ];
  const bad = origins.filter((o) => !ORIGIN_PATTERN.test(o));
  if (bad.length)
    return {
      origins,
      error: `Not an origin: ${bad.slice(0, 3).join(', ')}. Write scheme and host (and port), e.g. https://www.example.com.`,
    };
  if (origins.length > MAX_ORIGINS) return { origins, error: `Give at most ${MAX_ORIGINS} origins.` };
  return { origins };
}

export async function allowedOrigins(env: Env): Promise<string[]> {
  return (await configObject(env).allowedOrigins()) as string[];
}

/** Saves the origins the deployment's publishable key accepts besides ALLOWED_ORIGINS; this isolate sees them at once, others within seconds. */
export async function saveAllowedOrigins(env: Env, origins: string[]): Promise<void> {
  await configObject(env).setAllowedOrigins(origins);
  invalidateKeyCache();
}
