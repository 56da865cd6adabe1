// The GTM sandbox APIs the template uses, implemented against a `window` (a plain object in Node,
// the real one in Chromium) and checked against the template's own permissions, as GTM does.
// Runs in Node and, bundled by esbuild, in the browser: no Node imports here.
import type { Policy } from './permissions';
import { urlMatches } from './permissions';

export class PermissionError extends Error {
  override name = 'PermissionError';
}

export interface ConsentState {
  isGranted(type: string): boolean;
  addListener(type: string, fn: (type: string, granted: boolean) => void): void;
  /** Consent Mode update: listeners hear only granted<->denied transitions (unset counts as granted). */
  update(changes: Record<string, 'granted' | 'denied'>): void;
}

export function createConsentState(initial: Record<string, 'granted' | 'denied'> = {}): ConsentState {
  const state = new Map(Object.entries(initial));
  const listeners: { type: string; fn: (type: string, granted: boolean) => void }[] = [];
  const granted = (type: string) => state.get(type) !== 'denied';
  return {
    isGranted: granted,
    addListener: (type, fn) => listeners.push({ type, fn }),
    update(changes) {
      const before = new Map(Object.keys(changes).map((t) => [t, granted(t)]));
      for (const [t, v] of Object.entries(changes)) state.set(t, v);
      for (const l of listeners.slice()) {
        if (l.type in changes && before.get(l.type) !== granted(l.type)) l.fn(l.type, granted(l.type));
      }
    },
  };
}

export interface SandboxEnv {
  window: any;
  policy: Policy;
  /** Loads a script URL (a <script> tag in the browser); `done(true)` once it ran, `done(false)` on error. */
  loadScript(url: string, done: (ok: boolean) => void): void;
  consent?: ConsentState;
  /** Preview mode: logging limited to `debug` prints only here. */
  debug?: boolean;
  log?: (...args: unknown[]) => void;
}

export interface Sandbox {
  require(name: string): unknown;
  /** Grants exercised so far, in the notation of `declaredGrants`. */
  used: Set<string>;
  logs: unknown[][];
}

type Mode = 'read' | 'write' | 'execute';

export function getType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Values crossing the sandbox boundary are copied (GTM converts them both ways). */
export function copyValue(v: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof v === 'function') {
    const fn = v as (...a: unknown[]) => unknown;
    return function copiedFunction(...args: unknown[]) {
      return copyValue(fn(...args.map((a) => copyValue(a))));
    };
  }
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return seen.get(v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const item of v) out.push(copyValue(item, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null && Object.prototype.toString.call(v) !== '[object Arguments]')
    return undefined;
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  for (const k of Object.keys(v)) out[k] = copyValue((v as Record<string, unknown>)[k], seen);
  return out;
}

function pathGet(root: any, path: string): any {
  let cur = root;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  return cur;
}

function pathSet(root: any, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === undefined) cur[part] = {};
    cur = cur[part];
  }
  cur[parts[parts.length - 1]] = value;
}

export function createSandbox(env: SandboxEnv): Sandbox {
  const { policy } = env;
  const used = new Set<string>();
  const logs: unknown[][] = [];
  const scripts = new Map<string, { state: 'loading' | 'loaded'; waiters: { ok: () => void; fail: () => void }[] }>();
  const consent = env.consent ?? createConsentState();

  const globalsAllowed = (key: string, mode: Mode) => policy.globals.get(key)?.[mode] === true;
  const needGlobal = (api: string, key: string, ...modes: Mode[]) => {
    for (const mode of modes) {
      if (!globalsAllowed(key, mode))
        throw new PermissionError(`${api}: access_globals does not grant ${mode} on "${key}"`);
      used.add(`access_globals:${key}:${mode}`);
    }
  };
  const scriptPattern = (url: string) => policy.injectScript.find((p) => urlMatches(p, url));
  const consentAllowed = (type: string, mode: 'read' | 'write') => policy.consent.get(type)?.[mode] === true;
  const needConsent = (api: string, type: string) => {
    if (!consentAllowed(type, 'read'))
      throw new PermissionError(`${api}: access_consent does not grant read on "${type}"`);
    used.add(`access_consent:${type}:read`);
  };

  const apis: Record<string, unknown> = {
    getType,
    makeString: (v: unknown) => String(v),
    makeTableMap(table: unknown, keyColumn: string, valueColumn: string) {
      if (!Array.isArray(table)) return null;
      const out: Record<string, unknown> = {};
      for (const row of table)
        if (row && typeof row === 'object' && typeof row[keyColumn] === 'string')
          out[row[keyColumn]] = row[valueColumn];
      return out;
    },
    queryPermission(permission: string, ...args: unknown[]) {
      if (permission === 'inject_script') return scriptPattern(String(args[0])) !== undefined;
      if (permission === 'access_globals') return globalsAllowed(String(args[1]), args[0] as Mode);
      if (permission === 'access_consent') return consentAllowed(String(args[0]), args[1] as 'read' | 'write');
      if (permission === 'logging') return policy.logging === 'all' || (policy.logging === 'debug' && !!env.debug);
      throw new PermissionError(`queryPermission: the harness does not know permission ${permission}`);
    },
    logToConsole(...args: unknown[]) {
      if (!policy.logging) throw new PermissionError('logToConsole: no logging permission');
      used.add(`logging:${policy.logging}`);
      if (policy.logging === 'debug' && !env.debug) return;
      logs.push(args);
      env.log?.(...args);
    },
    copyFromWindow(key: string) {
      needGlobal('copyFromWindow', key, 'read');
      return copyValue(pathGet(env.window, key));
    },
    callInWindow(path: string, ...args: unknown[]) {
      needGlobal('callInWindow', path, 'execute');
      const dot = path.lastIndexOf('.');
      const owner = dot < 0 ? env.window : pathGet(env.window, path.slice(0, dot));
      const fn = pathGet(env.window, path);
      if (typeof fn !== 'function') return undefined;
      return copyValue(
        fn.apply(
          owner,
          args.map((a) => copyValue(a)),
        ),
      );
    },
    createArgumentsQueue(fnKey: string, arrayKey: string) {
      needGlobal('createArgumentsQueue', fnKey, 'read', 'write');
      needGlobal('createArgumentsQueue', arrayKey, 'read', 'write');
      // Like the analytics.js stub it replaces: an existing function is kept, never overwritten.
      if (pathGet(env.window, fnKey) === undefined) {
        const w = env.window;
        pathSet(w, fnKey, function argumentsQueue() {
          let q = pathGet(w, arrayKey);
          if (!Array.isArray(q)) pathSet(w, arrayKey, (q = []));
          // eslint-disable-next-line prefer-rest-params
          q.push(arguments);
        });
      }
      if (pathGet(env.window, arrayKey) === undefined) pathSet(env.window, arrayKey, []);
      return copyValue(pathGet(env.window, fnKey));
    },
    injectScript(url: string, onSuccess?: () => void, onFailure?: () => void, cacheToken?: string) {
      const pattern = scriptPattern(url);
      if (!pattern) throw new PermissionError(`injectScript: inject_script does not allow ${url}`);
      used.add(`inject_script:${pattern}`);
      const ok = () => onSuccess?.();
      const fail = () => onFailure?.();
      const key = cacheToken ? `${cacheToken}\n${url}` : undefined;
      const cached = key ? scripts.get(key) : undefined;
      if (cached?.state === 'loaded') return ok();
      if (cached) return void cached.waiters.push({ ok, fail });
      const entry = { state: 'loading' as 'loading' | 'loaded', waiters: [{ ok, fail }] };
      if (key) scripts.set(key, entry);
      env.loadScript(url, (loaded) => {
        const waiters = entry.waiters.splice(0);
        if (loaded) entry.state = 'loaded';
        else if (key) scripts.delete(key);
        for (const w of waiters) (loaded ? w.ok : w.fail)();
      });
    },
    isConsentGranted(type: string) {
      needConsent('isConsentGranted', type);
      return consent.isGranted(type);
    },
    addConsentListener(type: string, fn: (type: string, granted: boolean) => void) {
      needConsent('addConsentListener', type);
      consent.addListener(type, fn);
    },
  };

  return {
    used,
    logs,
    require(name: string) {
      if (!(name in apis)) throw new Error(`require('${name}'): not implemented by the harness`);
      return apis[name];
    },
  };
}

/** Which permission each API needs (GTM detects these from the code; the harness checks the same). */
export const API_PERMISSIONS: Record<string, string[]> = {
  getType: [],
  makeString: [],
  makeTableMap: [],
  queryPermission: [],
  logToConsole: ['logging'],
  copyFromWindow: ['access_globals'],
  callInWindow: ['access_globals'],
  createArgumentsQueue: ['access_globals'],
  injectScript: ['inject_script'],
  isConsentGranted: ['access_consent'],
  addConsentListener: ['access_consent'],
};
