// Public types of the tag: what `window.clearbit` and the ES module entry accept. Kept free of zod
// and of wire types so the emitted declarations stand alone.

export type AdsConsent = 'granted' | 'denied';

export type Traits = Record<string, unknown>;

export interface IdentifyOptions {
  /** Hex HMAC-SHA256 of the normalized email under the site's identify secret: marks traits trusted. */
  signature?: string;
}

export type Callback = () => void;

export interface TagConfig {
  /** Publishable key (`pk_...`). */
  key?: string;
  /** The collector's base URL, e.g. `https://example.com/_cb` (no trailing slash). */
  host?: string;
  /**
   * Ads consent before any signal: `'denied'` stores nothing until `consent({ads: 'granted'})`;
   * `'pending'` is denied as well, but the click IDs captured before the visitor answers are kept
   * in session storage (this tab only) until they do, so a navigation before the answer keeps them.
   */
  consent?: AdsConsent | 'pending';
  /**
   * Where the tag's cookies (`_cb_ids`, `_fbp`) go: `'auto'` (the default) the registrable domain,
   * so every subdomain shares them (www.example.com and app.example.com); a domain the page is on or
   * under (`'example.com'`); or `'none'` to keep them on the page's own host.
   */
  cookieDomain?: string;
  /** Log dropped events and swallowed errors to the console. */
  debug?: boolean;
}

export interface Identify {
  (email: string, traits?: Traits, options?: IdentifyOptions, callback?: Callback): void;
  (userIdOrEmail: string, traits: Traits & { email?: string }, options?: IdentifyOptions, callback?: Callback): void;
  (userIdOrEmail: string, traits: Traits, callback: Callback): void;
  (userIdOrEmail: string, callback: Callback): void;
  (traits: Traits & { email: string }, options?: IdentifyOptions, callback?: Callback): void;
}

/**
 * A conversion the identify made the person enter, as the server sends it (docs/deduplication.md):
 * give the platform's pixel `eventId` (Meta eventID, Google transaction_id, Reddit conversionId,
 * TikTok event_id, LinkedIn event_id, ChatGPT Ads id) so its copy and the server's count once.
 */
export interface Conversion {
  platform: 'meta' | 'google' | 'linkedin' | 'reddit' | 'tiktok' | 'openai';
  eventId: string;
  eventName?: string;
  conversionId: string;
  conversionAction?: string;
  value?: number;
  currency?: string;
}

export interface ClearbitTag {
  /** GTM / command style: `clearbit('identify', email, traits)`. */
  (method: string, ...args: unknown[]): void;
  readonly initialize: true;
  identify: Identify;
  /** Capture click IDs from the current URL (single-page apps call it after a route change). */
  page(): void;
  /** Forget this browser: anonymous id, person token and stored click IDs. */
  reset(): void;
  consent(state: { ads: AdsConsent }): void;
  ready(fn: () => void): void;
  load(key: string | TagConfig, host?: string): void;
  config(config: TagConfig): void;
  /** `on('conversion', cb)`: cb runs once per conversion an identify on this browser triggered. */
  on(event: 'conversion', callback: (conversion: Conversion) => void): void;
}
