import { captureFromUrl } from './capture';
import { anonymousId, randomId } from './identity';
import { readLedger } from './ledger';
import { send } from './transport';

type Call = [string, ...unknown[]];

// Every public entry is guarded: the tag never throws into the host page.
function guard<T extends (...args: any[]) => unknown>(fn: T): T {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args);
    } catch (e) {
      if ((window as any).clearbit?.debug) console.warn('[clearbit]', e);
    }
  } as T;
}

function install(w: any) {
  const stub = w.clearbit;
  if (stub && stub.initialize) return;
  const queue: Call[] = Array.isArray(stub) ? stub.slice() : [];
  const key: string = stub?._key;
  const script = document.currentScript as HTMLScriptElement | null;
  const host: string = stub?._host || (script ? script.src.replace(/\/v1\/tag\.js.*$/, '') : '');

  captureFromUrl(location.href, document.referrer, Date.now());

  const api: Record<string, unknown> = {
    initialize: true,
    _key: key,
    _host: host,
    identify: guard((idOrEmail: unknown, traits?: Record<string, unknown>) => {
      const t = traits && typeof traits === 'object' ? { ...traits } : {};
      const email = typeof idOrEmail === 'string' && idOrEmail.includes('@') ? idOrEmail : t.email;
      if (typeof email !== 'string' || !email.includes('@')) {
        console.warn('[clearbit] identify needs an email: nothing was sent');
        return;
      }
      if (typeof idOrEmail === 'string' && idOrEmail !== email) t.userId = idOrEmail;
      const event = {
        type: 'identify',
        messageId: randomId(),
        anonymousId: anonymousId(),
        email,
        traits: t,
        touches: readLedger(),
        timestamp: Date.now(),
        context: { page: { url: location.href.slice(0, 2048), referrer: document.referrer.slice(0, 2048) } },
      };
      send(host + '/v1/collect', { key, events: [event] }).catch(() => {});
    }),
  };
  for (const m of ['page', 'reset', 'consent', 'ready', 'track', 'group', 'alias', 'trackSubmit', 'trackClick', 'trackLink', 'trackForm', 'pageview', 'once', 'off', 'on']) {
    if (!api[m]) api[m] = () => {};
  }
  w.clearbit = api;
  for (const [method, ...args] of queue) {
    const fn = api[method];
    if (Array.isArray(args) && typeof fn === 'function') (fn as (...a: unknown[]) => void)(...args);
  }
}

try {
  install(window);
} catch {
  // never break the page
}
