// The ___WEB_PERMISSIONS___ section as a policy the sandbox checks every API call against, and the
// list of grants it declares, so a test can compare what is granted with what the code uses.

export interface GlobalAccess {
  read: boolean;
  write: boolean;
  execute: boolean;
}

export interface Policy {
  permissionIds: string[];
  globals: Map<string, GlobalAccess>;
  injectScript: string[];
  logging?: 'debug' | 'all';
  consent: Map<string, { read: boolean; write: boolean }>;
}

/** GTM's typed values: 1 string, 2 list, 3 map, 8 boolean. */
function decode(value: any): unknown {
  switch (value?.type) {
    case 1:
      return value.string;
    case 2:
      return (value.listItem ?? []).map(decode);
    case 3: {
      const keys = (value.mapKey ?? []).map(decode) as string[];
      const values = (value.mapValue ?? []).map(decode);
      if (keys.length !== values.length) throw new Error('map with unequal keys and values');
      return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    }
    case 8:
      return value.boolean === true;
    default:
      throw new Error(`unknown permission value type ${JSON.stringify(value?.type)}`);
  }
}

const KNOWN = new Set(['access_globals', 'inject_script', 'logging', 'access_consent']);

export function readPermissions(section: any[]): Policy {
  const policy: Policy = { permissionIds: [], globals: new Map(), injectScript: [], consent: new Map() };
  for (const entry of section) {
    const id: string = entry?.instance?.key?.publicId;
    if (!KNOWN.has(id)) throw new Error(`the harness does not implement permission ${id}`);
    if (policy.permissionIds.includes(id)) throw new Error(`permission ${id} declared twice`);
    policy.permissionIds.push(id);
    const params = Object.fromEntries((entry.instance.param ?? []).map((p: any) => [p.key, decode(p.value)]));
    if (id === 'access_globals') {
      for (const k of params.keys as any[])
        policy.globals.set(k.key, { read: !!k.read, write: !!k.write, execute: !!k.execute });
    } else if (id === 'inject_script') {
      policy.injectScript = params.urls as string[];
      for (const p of policy.injectScript) parsePattern(p);
    } else if (id === 'logging') {
      if (params.environments !== 'debug' && params.environments !== 'all')
        throw new Error(`logging environments ${params.environments}`);
      policy.logging = params.environments;
    } else if (id === 'access_consent') {
      for (const c of params.consentTypes as any[])
        policy.consent.set(c.consentType, { read: !!c.read, write: !!c.write });
    }
  }
  return policy;
}

/** Every grant the policy declares, as strings like `access_globals:clearbit:execute`. */
export function declaredGrants(policy: Policy): string[] {
  const out: string[] = [];
  for (const [key, a] of policy.globals)
    for (const mode of ['read', 'write', 'execute'] as const) if (a[mode]) out.push(`access_globals:${key}:${mode}`);
  for (const p of policy.injectScript) out.push(`inject_script:${p}`);
  if (policy.logging) out.push(`logging:${policy.logging}`);
  for (const [type, a] of policy.consent)
    for (const mode of ['read', 'write'] as const) if (a[mode]) out.push(`access_consent:${type}:${mode}`);
  return out.sort();
}

interface Pattern {
  host: string;
  port: string;
  path: string;
}

/**
 * GTM URL match patterns as we read them: https only, a host that is exact, `*` (any host) or
 * `*.example.com` (that domain and its subdomains), an optional port, and a path where `*` matches
 * any run of characters. Query and fragment of the URL are not part of the match.
 */
export function parsePattern(pattern: string): Pattern {
  const m = /^https:\/\/([^/:]+)(?::(\d+))?(\/.*)$/.exec(pattern);
  if (!m) throw new Error(`not an https URL match pattern: ${pattern}`);
  const [, host, port = '', path] = m;
  if (host !== '*' && host.includes('*') && !/^\*\.[^*]+$/.test(host))
    throw new Error(`bad host wildcard in ${pattern}`);
  return { host, port, path };
}

export function urlMatches(pattern: string, url: string): boolean {
  const p = parsePattern(pattern);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  if (p.port !== u.port) return false;
  const host = u.hostname.toLowerCase();
  const ph = p.host.toLowerCase();
  const hostOk =
    ph === '*' || ph === host || (ph.startsWith('*.') && (host === ph.slice(2) || host.endsWith(ph.slice(1))));
  if (!hostOk) return false;
  const re = new RegExp('^' + p.path.split('*').map(escapeRegExp).join('.*') + '$');
  return re.test(u.pathname);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
