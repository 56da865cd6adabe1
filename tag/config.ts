import type { TagConfig } from './types';

// The one configuration of this page's tag, filled from the snippet, queued `load`/`config` calls
// or the ES module's `load()`.
export const config: TagConfig = {};

/** `configure({key, host, consent, debug})` or `configure(key, host)`; unset fields are kept. */
export function configure(key: unknown, host?: unknown): void {
  const c = (key && typeof key == 'object' ? key : { key, host }) as Record<string, unknown>;
  for (const k in c) if (c[k] != null) (config as Record<string, unknown>)[k] = c[k];
}

export function warn(...args: unknown[]): void {
  if (config.debug) console.warn('[clearbit]', ...args);
}

/** Wraps a public entry or a listener so nothing it throws reaches the host page. */
export function guard<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      warn(e);
    }
  };
}
