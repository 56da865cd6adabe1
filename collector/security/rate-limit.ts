/**
 * A fixed-window counter per key, per isolate. Cheap enough for every request (no round trip), so
 * it is approximate across isolates and locations: it stops floods from one source, it is not a
 * quota. Memory is bounded: the oldest keys go first.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one hit; when over the limit, answers the seconds until the window resets. */
  take(key: string, now: number, cost = 1): { ok: true } | { ok: false; retryAfterS: number } {
    const w = this.current(key, now);
    if (w.count + cost > this.limit)
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
    w.count += cost;
    return { ok: true };
  }

  /** Whether `cost` more hits would fit, without counting them. */
  fits(key: string, now: number, cost = 1): boolean {
    return this.current(key, now).count + cost <= this.limit;
  }

  private current(key: string, now: number) {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (w) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }
}
