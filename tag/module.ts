// ES module entry for single-page apps: `import { load, identify } from 'open-conversions/tag'`.
// It shares one tag with the snippet and GTM: if tag.js is already on the page, calls go to it.
// The sender is bundled here (the app's bundler decides how to split it).
import { useSender } from './handoff';
import { install } from './install';
import { startSender } from './sender';
import type {
  AdsConsent,
  Callback,
  ClearbitTag,
  Conversion,
  Identify,
  IdentifyOptions,
  TagConfig,
  Traits,
} from './types';

export type { AdsConsent, Callback, ClearbitTag, Conversion, Identify, IdentifyOptions, TagConfig, Traits };

function tag(initial?: TagConfig): ClearbitTag {
  useSender(() => Promise.resolve().then(startSender));
  return install(window, initial);
}

/** Configures the tag and starts it: `load({ key: 'pk_...', host: 'https://example.com/_cb' })`. */
export function load(config: TagConfig): void;
export function load(key: string, host: string): void;
export function load(key: string | TagConfig, host?: string): void {
  const config = typeof key == 'object' ? key : { key, host };
  tag(config).load(config);
}

export const identify: Identify = (...args: unknown[]) => (tag().identify as (...a: unknown[]) => void)(...args);
export const page = (): void => tag().page();
export const reset = (): void => tag().reset();
export const consent = (state: { ads: AdsConsent }): void => tag().consent(state);
export const ready = (fn: () => void): void => tag().ready(fn);
export const on = (event: 'conversion', callback: (conversion: Conversion) => void): void => tag().on(event, callback);
