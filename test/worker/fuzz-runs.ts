import { env } from 'cloudflare:workers';

/** Cases per property: FUZZ_RUNS (scripts/fuzz.mjs runs 10,000) or the small CI sample. */
export function fuzzRuns(ciSample: number): number {
  const n = Number((env as unknown as { FUZZ_RUNS?: string }).FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? n : ciSample;
}

/** A test timeout that grows with the number of cases (about 40 ms a case on a loaded machine). */
export function fuzzTimeout(runs: number): number {
  return Math.max(120_000, runs * 40);
}

/** Object.prototype has gained nothing (no `__proto__` / `constructor` write reached it). */
export function prototypeClean(): boolean {
  return Object.getOwnPropertyNames(Object.prototype).every((k) => PROTO_KEYS.has(k)) && ({} as Record<string, unknown>).polluted === undefined;
}
const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A client IP per request, so the per-IP limits (tested in abuse.test.ts) never turn a fuzz run into a rate-limit test. */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}
