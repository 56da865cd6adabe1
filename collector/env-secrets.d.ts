// The collector's secrets and optional variables: set with `wrangler secret put` (or .dev.vars
// locally), never in wrangler.toml, so `wrangler types` cannot see them. They merge into the
// generated `Env` (collector/worker-configuration.d.ts); each may be absent.
declare namespace Cloudflare {
  interface Env {
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
}
