import type { ConfigObject } from './objects/config';
import type { DestinationObject } from './objects/destination';
import type { DirectoryObject } from './objects/directory';
import type { PersonObject } from './objects/person';
import type { VisitorObject } from './objects/visitor';
import type { SourceObject } from './objects/source';

// Bindings of the collector Worker (wrangler.toml and its secrets).
export interface Env {
  PERSON: DurableObjectNamespace<PersonObject>;
  VISITOR: DurableObjectNamespace<VisitorObject>;
  CONFIG: DurableObjectNamespace<ConfigObject>;
  DIRECTORY: DurableObjectNamespace<DirectoryObject>;
  DESTINATION: DurableObjectNamespace<DestinationObject>;
  SOURCE: DurableObjectNamespace<SourceObject>;
  JOBS: Queue<unknown>;
  /** Workers Rate Limiting (wrangler.toml [[ratelimits]]): per client IP and per key, across isolates. */
  RL_IP?: RateLimit;
  RL_KEY?: RateLimit;
  BASE_PATH?: string;
  /** A parent domain for the `_cb_aid` cookie (wrangler.toml); empty: the collector's own host. */
  VISITOR_COOKIE_DOMAIN?: string;
  /** Admin-scoped secret key (`sk_...`). Without it the API refuses to serve. */
  SECRET_KEY?: string;
  /** The publishable key the tag sends in every batch (`pk_...`). */
  PUBLISHABLE_KEY?: string;
  /** Comma-separated origin patterns allowed to use the publishable key; `*` matches a port or a label. */
  ALLOWED_ORIGINS?: string;
  /** HMAC secret that names person objects and signs person tokens. */
  IDENTITY_SECRET?: string;
  /** The site's identify secret: signed identifies (hex HMAC-SHA256 of the email) mark traits trusted. */
  IDENTIFY_SIGNING_SECRET?: string;
  /** Shared secret of the Segment Webhooks destination (X-Signature, HMAC-SHA1). */
  SEGMENT_WEBHOOK_SECRET?: string;
  /** Base64 AES-GCM key for credentials at rest. */
  ENCRYPTION_KEY?: string;
  ALLOW_CUSTOM_ENDPOINTS?: string;
  /** Alert webhook when none is set through /api/alerts (collector/alerts/). */
  ALERT_WEBHOOK_URL?: string;
  ALERT_WEBHOOK_SECRET?: string;
  /** Minutes without a tag event before the "tag silent" alert (default 60; 0 turns it off). */
  ALERT_TAG_SILENT_MINUTES?: string;
}

export type AppContext = { Bindings: Env; Variables: { now: number; keyScope?: 'ingest' | 'admin' } };
