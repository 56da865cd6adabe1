import type { ThrottleState, ThrottleStore } from './sign-in-throttle';

// Throttle states in this isolate's memory and in the location's Cache API, so a client spreading
// attempts over isolates is still counted. A shared limiter object replaces this once one exists.

const MEMORY_LIMIT = 10_000;
const memory = new Map<string, { state: ThrottleState; expires: number }>();

function cacheUrl(key: string): string {
  return `https://admin-sign-in.throttle.invalid/${key}`;
}

function worse(a: ThrottleState | null, b: ThrottleState | null): ThrottleState | null {
  if (!a) return b;
  if (!b) return a;
  return b.lockedUntil > a.lockedUntil || (b.lockedUntil === a.lockedUntil && b.failures > a.failures) ? b : a;
}

export function sharedThrottleStore(now: () => number = Date.now): ThrottleStore {
  return {
    async get(key) {
      const held = memory.get(key);
      const local = held && held.expires > now() ? held.state : null;
      let cached: ThrottleState | null = null;
      try {
        const res = await caches.default.match(cacheUrl(key));
        if (res) cached = (await res.json()) as ThrottleState;
      } catch {
        // The cache is best effort; memory still counts.
      }
      return worse(local, cached);
    },
    async put(key, state, ttlMs) {
      if (memory.size >= MEMORY_LIMIT) memory.delete(memory.keys().next().value!);
      memory.set(key, { state, expires: now() + ttlMs });
      try {
        const ttl = Math.max(1, Math.ceil(ttlMs / 1000));
        await caches.default.put(
          cacheUrl(key),
          new Response(JSON.stringify(state), { headers: { 'cache-control': `max-age=${ttl}` } }),
        );
      } catch {
        // As above.
      }
    },
  };
}

/** Forgets every throttle state held in memory (tests). */
export function clearThrottleMemory(): void {
  memory.clear();
}
