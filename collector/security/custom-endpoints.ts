import type { Env } from '../env';

/**
 * Custom `endpoint` / `tokenEndpoint` URLs receive a destination's credentials, so where they may
 * point is a deployment decision (ARCHITECTURE §5), read from ALLOW_CUSTOM_ENDPOINTS:
 * - unset / anything else: refused;
 * - `true` (production): https URLs on a public host name only: no IP literals, no localhost or
 *   internal names, no credentials in the URL;
 * - `local` (local development and tests, where the platform fakes listen on loopback): any
 *   http(s) URL.
 */
export type EndpointPolicy = 'off' | 'public' | 'local';

export function endpointPolicy(env: Pick<Env, 'ALLOW_CUSTOM_ENDPOINTS'>): EndpointPolicy {
  const v = (env.ALLOW_CUSTOM_ENDPOINTS ?? '').trim().toLowerCase();
  return v === 'true' ? 'public' : v === 'local' ? 'local' : 'off';
}

// Names that resolve inside a network rather than on the public internet.
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home|corp|localdomain|home\.arpa)$/;

/** Why a custom endpoint URL is refused under the policy, or null when it may be used. */
export function endpointIssue(raw: string, policy: EndpointPolicy): string | null {
  if (policy === 'off')
    return 'custom endpoint / tokenEndpoint are disabled on this deployment (ALLOW_CUSTOM_ENDPOINTS)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (policy === 'local') return null;
  if (url.protocol !== 'https:') return 'must be https on this deployment';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  // WHATWG URL parsing already turns every IPv4 spelling (hex, octal, short forms) into dotted quads.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('['))
    return 'IP literals are refused on this deployment; use a host name';
  if (!host.includes('.') || INTERNAL_NAME.test(host)) return 'internal host names are refused on this deployment';
  return null;
}

/** The first refusal among a destination's custom URLs, or null. */
export function customEndpointsIssue(
  env: Pick<Env, 'ALLOW_CUSTOM_ENDPOINTS'>,
  urls: { endpoint?: string | null; tokenEndpoint?: string | null },
): string | null {
  const policy = endpointPolicy(env);
  for (const [name, u] of [
    ['endpoint', urls.endpoint],
    ['tokenEndpoint', urls.tokenEndpoint],
  ] as const) {
    if (!u) continue;
    const issue = endpointIssue(u, policy);
    if (issue) return policy === 'off' ? issue : `${name}: ${issue}`;
  }
  return null;
}
