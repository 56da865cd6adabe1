// Tells workers-types what the main module exports, so `exports` and `env` from
// `cloudflare:workers` are typed in tests.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'PersonObject';
  }
  interface Env extends import('./env').Env {}
}
