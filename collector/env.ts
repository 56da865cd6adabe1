// The Worker's bindings are generated from wrangler.toml by `wrangler types`
// (collector/worker-configuration.d.ts, regenerated with `node scripts/env-types.mjs`); secrets
// are typed in collector/env-secrets.d.ts. This module imports nothing, so no file is tied to the
// Durable Object classes through the type of `env`.
export type Env = Cloudflare.Env;

export type AppContext = { Bindings: Env; Variables: { now: number; keyScope?: 'ingest' | 'admin' } };
