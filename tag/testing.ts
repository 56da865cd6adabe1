// Test harness for the tag in happy-dom: each `page()` is a fresh load of the tag's modules on the
// same site (storage, cookies and IndexedDB kept); each test gets its own site and IndexedDB.
import { IDBFactory } from 'fake-indexeddb';
import { vi } from 'vitest';

export type Sent = { url: string; init: RequestInit; body: { key: string; events: any[] } };

let site = 0;
let origin = '';
const cleanups: (() => void)[] = [];
const originalHistory = { pushState: history.pushState, replaceState: history.replaceState };

/** Starts a new site on its own hostname, with empty storage and a fresh IndexedDB. */
export function newSite(host = `www.site${++site}.test`): string {
  origin = `https://${host}`;
  (globalThis as any).indexedDB = new IDBFactory();
  localStorage.clear();
  sessionStorage.clear();
  (window as any).happyDOM.setURL(origin + '/');
  return origin;
}

/** A fake collector: records every request and answers with `respond` (default 200). */
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export function collector(respond: (sent: Sent) => Answer | Promise<Answer> = () => ({ status: 200 })) {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const request = { url, init, body: JSON.parse(init.body as string) };
      sent.push(request);
      requests++;
      inFlight++;
      try {
        const r = await respond(request);
        const body = r.body ?? { accepted: request.body.events.length, duplicates: 0, rejected: [] };
        return new Response(JSON.stringify(body), { status: r.status, headers: r.headers });
      } finally {
        inFlight--;
      }
    }),
  );
  return {
    sent,
    events: () => sent.flatMap((s) => s.body.events),
  };
}

/**
 * Loads the tag on `path` of the current site, as a new page: `before` runs first (a snippet stub,
 * cookies set by other tags, a dataLayer). Returns the page's tag modules.
 */
export async function page(path: string, before?: (w: any) => void) {
  vi.resetModules();
  cleanup();
  (window as any).happyDOM.setURL(origin + path);
  delete (window as any).clearbit;
  delete (window as any).dataLayer;
  before?.(window);
  track();
  const install = await import('./install');
  const handoff = await import('./handoff');
  const { startSender } = await import('./sender');
  // The sender's side of the calls: enqueue (write ahead and send), send.
  const sender = await import('./calls');
  const outbox = await import('./outbox');
  const ledger = await import('./ledger');
  // The sender's side of the ledger: pruning, and the `_cb_ids` cookie backup.
  const { live } = await import('./live');
  const backup = await import('./backup');
  // As the ES module does: the sender bundled, not loaded as a script.
  handoff.useSender(() => Promise.resolve().then(startSender));
  cleanups.push(() => outbox.stopOutbox());
  return { install, handoff, sender, startSender, outbox, ledger, live, backup, api: () => (window as any).clearbit };
}

/** Installs the tag the way tag.js does, after an optional snippet-style queue. */
export async function load(
  path: string,
  queue: unknown[][] = [['load', 'pk_test', 'https://collector.test']],
  before?: (w: any) => void,
) {
  const p = await page(path, (w) => {
    w.clearbit = queue.slice();
    before?.(w);
  });
  p.install.install(window);
  await started();
  return p;
}

/**
 * Steps waiting: the sender's (later.ts), and the calls the core keeps for a sender that has not
 * taken them yet (none wait for a sender that cannot load: no key or host).
 */
async function waiting(): Promise<number> {
  const { waiting } = await import('./later');
  const { link } = await import('./link');
  const known = link.config_?.key && link.config_?.host;
  return waiting() + (known ? (link.calls_?.length ?? 0) : 0);
}

/** Waits for the steps in which the installed tag's sender stores what it captured and was called with. */
export async function started(): Promise<void> {
  await new Promise((r) => setTimeout(r));
  for (let i = 0; i < 100 && (await waiting()); i++) await new Promise((r) => setTimeout(r));
}

/**
 * Lets pending promises, IndexedDB transactions and timers run: waits at least `ms`, then until the
 * tag has been quiet (no request in flight, no new request, no storage change, no step waiting) for
 * three checks in a row, at most 3 s. A fixed sleep flakes when the machine is busy.
 */
export async function settle(ms = 30): Promise<void> {
  const deadline = Date.now() + 3000;
  // The tag's storage steps still waiting count as activity.
  await new Promise((r) => setTimeout(r, ms));
  let last = activity();
  for (let quiet = 0; quiet < 3 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 15));
    const now = activity();
    quiet = now === last && inFlight === 0 && !(await waiting()) ? quiet + 1 : 0;
    last = now;
  }
}

let requests = 0;
let inFlight = 0;
function activity(): string {
  return `${requests}|${document.cookie}|${JSON.stringify({ ...localStorage })}`;
}

export function cookieNames(): string[] {
  return document.cookie
    .split(/; */)
    .filter((c) => c && !c.endsWith('='))
    .map((c) => c.split('=')[0]!);
}

export async function idbDatabases(): Promise<string[]> {
  return ((await indexedDB.databases()) as { name: string }[]).map((d) => d.name);
}

// Listeners, idle callbacks and history patches of earlier "pages" must not act on later ones.
function track() {
  const idle = window.requestIdleCallback;
  if (idle) {
    window.requestIdleCallback = (fn, options) => {
      const id = idle.call(window, fn, options);
      cleanups.push(() => cancelIdleCallback(id));
      return id;
    };
    cleanups.push(() => {
      window.requestIdleCallback = idle;
    });
  }
  for (const target of [window, document] as EventTarget[]) {
    const add = target.addEventListener;
    target.addEventListener = function (type: string, fn: any, options?: any) {
      cleanups.push(() => target.removeEventListener(type, fn, options));
      return add.call(this, type, fn, options);
    };
    cleanups.push(() => {
      target.addEventListener = add;
    });
  }
}

/** afterEach: lets the last page's async work finish against this test's fake, then unhooks it. */
export async function teardown(): Promise<void> {
  await settle(60);
  cleanup();
  vi.unstubAllGlobals();
}

export function cleanup(): void {
  for (const c of cleanups.splice(0)) c();
  history.pushState = originalHistory.pushState;
  history.replaceState = originalHistory.replaceState;
}
