// Tells workers-types what the main module exports, so `exports` and `env` from
// `cloudflare:workers` are typed in tests.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'PersonObject' | 'VisitorObject' | 'ConfigObject' | 'DirectoryObject' | 'DestinationObject';
  }
  interface Env extends import('./env').Env {}
}
