import { get } from 'idb-keyval';
import { createStore } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryDelay } from './outbox';
import { teardown, collector, load, newSite, page, settle, started } from './testing';

const T0 = Date.now();
const event = (n: number, extra: object = {}) => ({
  type: 'identify',
  messageId: `msg-${String(n).padStart(4, '0')}`,
  anonymousId: 'anon-0001',
  timestamp: T0,
  email: `p${n}@example.com`,
  traits: {},
  touches: [],
  ...extra,
});
const stored = async () => ((await get('_cb_outbox', createStore('_cb_outbox', 'events'))) as any) ?? { q: [] };

async function outboxPage() {
  const p = await page('/');
  const { configure } = await import('./config');
  configure({ key: 'pk_test', host: 'https://collector.test' });
  // The sender as it starts on a page (its listeners; its first pass, over an empty outbox, done).
  p.startSender();
  await started();
  await settle();
  return p;
}

beforeEach(() => {
  newSite();
});
afterEach(async () => {
  await teardown();
});

describe('outbox', () => {
  it('writes each event to IndexedDB before sending it, as text/plain JSON with keepalive, and removes it on a 2xx', async () => {
    const seenAtSend: string[][] = [];
    const c = collector(async () => {
      seenAtSend.push((await stored()).q.map((e: any) => e.messageId));
      return { status: 200 };
    });
    const { outbox, sender } = await outboxPage();
    await sender.enqueue(event(1), T0);
    expect(seenAtSend).toEqual([['msg-0001']]);
    expect(c.sent).toHaveLength(1);
    const [req] = c.sent;
    expect(req!.url).toBe('https://collector.test/v1/collect');
    expect(req!.init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'include' });
    expect(typeof req!.init.body).toBe('string');
    expect(req!.init.headers).toBeUndefined(); // a string body goes as text/plain: no CORS preflight
    expect(req!.body).toEqual({ key: 'pk_test', events: [event(1)] });
    expect(req!.init.credentials).toBe('include');
    expect((await stored()).q).toEqual([]);
  });

  it('keeps the person token from the response (never the email) and sends it with later events', async () => {
    collector(() => ({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [], token: 'tok.signed.person' } }));
    const { sender, ledger } = await outboxPage();
    await sender.enqueue(event(1), T0);
    expect(ledger.ledger().k).toBe('tok.signed.person');
    await vi.waitFor(() => expect(localStorage.getItem('_cb_state')).toContain('tok.signed.person'));
    expect(localStorage.getItem('_cb_state')).not.toContain('p1@example.com');
  });

  it('retries 5xx, 429 and network errors with backoff, and sends each message id again unchanged', async () => {
    const answers: (number | 'network')[] = [503, 429, 'network', 200];
    const c = collector(() => {
      const a = answers.shift()!;
      return a == 'network' ? Promise.reject(new TypeError('Failed to fetch')) : { status: a };
    });
    const { outbox, sender } = await outboxPage();
    // The test plays the clock: the page's own retry timer must not fire in between.
    const at = async (now: number) => {
      await outbox.flush(now);
      outbox.stopOutbox();
    };
    await sender.enqueue(event(1), T0);
    outbox.stopOutbox();
    let box = await stored();
    expect(box).toMatchObject({ n: 1, q: [event(1)] });
    expect(box.at).toBeGreaterThanOrEqual(T0 + 500);
    expect(box.at).toBeLessThanOrEqual(T0 + 1000);
    // Not due yet: nothing is sent.
    await at(T0 + 400);
    expect(c.sent).toHaveLength(1);
    await at(T0 + 1000);
    box = await stored();
    expect(box.n).toBe(2);
    expect(box.at).toBeGreaterThanOrEqual(T0 + 1000 + 1000);
    await at(T0 + 10_000);
    expect((await stored()).n).toBe(3);
    await at(T0 + 60_000);
    expect(c.sent.map((s) => s.body.events.map((e: any) => e.messageId))).toEqual([
      ['msg-0001'],
      ['msg-0001'],
      ['msg-0001'],
      ['msg-0001'],
    ]);
    expect(await stored()).toEqual({ q: [], n: 0, at: 0 });
  });

  it('keeps unsent events across page loads and sends them from the next page', async () => {
    let down = true;
    const c = collector(() => (down ? { status: 503 } : { status: 200 }));
    let p = await outboxPage();
    await p.sender.enqueue(event(1), T0);
    await p.sender.enqueue(event(2), T0 + 1);
    expect((await stored()).q.map((e: any) => e.messageId)).toEqual(['msg-0001', 'msg-0002']);
    down = false;
    p = await outboxPage();
    await p.outbox.flush(T0 + 400_000);
    expect(c.sent.at(-1)!.body.events.map((e: any) => e.messageId)).toEqual(['msg-0001', 'msg-0002']);
    expect((await stored()).q).toEqual([]);
  });

  it('sends at once when the browser comes back online, without waiting for the backoff', async () => {
    let down = true;
    const c = collector(() => (down ? { status: 503 } : { status: 200 }));
    const { sender } = await outboxPage();
    await sender.enqueue(event(1), T0);
    const { changeOutbox } = await import('./outbox-store');
    // Several failures in: the next attempt is minutes away.
    await changeOutbox((box) => ({ ...box, n: 9, at: Date.now() + 300_000 }));
    const before = c.sent.length;
    down = false;
    dispatchEvent(new Event('pagehide'));
    await settle();
    expect(c.sent.length).toBe(before); // other wake-ups keep the backoff
    dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(c.sent.length).toBe(before + 1));
    expect(c.sent.at(-1)!.body.events.map((e: any) => e.messageId)).toEqual(['msg-0001']);
    await vi.waitFor(async () => expect(await stored()).toEqual({ q: [], n: 0, at: 0 }));
  });

  it('coming back online during a send that then fails sends once more at once, not after the backoff', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const c = collector(async () => {
      if (++calls > 1) return { status: 200 };
      await held;
      return { status: 503 };
    });
    const { sender } = await outboxPage();
    const { changeOutbox } = await import('./outbox-store');
    // Nine failures in: the attempt after a 503 would be minutes away.
    await changeOutbox((box) => ({ ...box, n: 9, at: 0 }));
    const sending = sender.enqueue(event(1), T0);
    await vi.waitFor(() => expect(calls).toBe(1));
    dispatchEvent(new Event('online')); // while the first send is in flight
    release();
    await sending;
    await vi.waitFor(() => expect(c.sent.length).toBe(2));
    await vi.waitFor(async () => expect(await stored()).toEqual({ q: [], n: 0, at: 0 }));
  });

  it('drops a batch the collector rejects with a 4xx, with a console warning in debug mode', async () => {
    collector(() => ({
      status: 400,
      body: { error: { code: 'invalid_event', message: 'no event in the batch was accepted' } },
    }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { outbox, sender } = await outboxPage();
    const { configure } = await import('./config');
    configure({ debug: true });
    await sender.enqueue(event(1), T0);
    expect((await stored()).q).toEqual([]);
    expect(warn).toHaveBeenCalledWith('[clearbit]', 'rejected', 400, undefined);
    warn.mockRestore();
  });

  it('sends at most 50 events and about 60 KB per request', async () => {
    const c = collector();
    const { outbox, sender } = await outboxPage();
    const { changeOutbox } = await import('./outbox-store');
    await changeOutbox((box) => ({ ...box, q: Array.from({ length: 120 }, (_, i) => event(i)) }));
    await outbox.flush(T0);
    expect(c.sent.map((s) => s.body.events.length)).toEqual([50, 50, 20]);
    c.sent.length = 0;
    const big = 'x'.repeat(25_000);
    await changeOutbox((box) => ({ ...box, q: [0, 1, 2, 3].map((i) => event(i, { traits: { big } })) }));
    await outbox.flush(T0);
    expect(c.sent.map((s) => s.body.events.length)).toEqual([2, 2]);
    expect(c.sent.every((s) => (s.init.body as string).length < 64 * 1024)).toBe(true);
  });

  it('drops events older than the collector deduplicates (7 days) instead of risking a double count', async () => {
    const c = collector(() => ({ status: 503 }));
    const { outbox, sender } = await outboxPage();
    await sender.enqueue(event(1), T0);
    await outbox.flush(T0 + 8 * 86_400_000);
    expect(c.sent).toHaveLength(1);
    expect((await stored()).q).toEqual([]);
  });

  it('falls back to localStorage where IndexedDB is unavailable', async () => {
    delete (globalThis as any).indexedDB;
    const c = collector(() => ({ status: 503 }));
    const { outbox, sender } = await outboxPage();
    await sender.enqueue(event(1), T0);
    expect(JSON.parse(localStorage.getItem('_cb_outbox')!)).toMatchObject({ q: [event(1)], n: 1 });
    expect(c.sent).toHaveLength(1);
  });

  it('waits about 1 s, 2 s, 4 s ... and at most 5 minutes between attempts', () => {
    expect([0, 1, 2, 3].map((n) => retryDelay(n, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(0, 0)).toBe(500);
    expect(retryDelay(30, 1)).toBe(300_000);
  });

  it('never sends before it knows the key and host: the event waits, written ahead in localStorage', async () => {
    const c = collector();
    const p = await page('/');
    await p.sender.enqueue(event(1), T0);
    await settle();
    expect(c.sent).toEqual([]);
    expect(JSON.parse(localStorage.getItem('_cb_outbox')!).q).toEqual([event(1)]);
    const { configure } = await import('./config');
    configure({ key: 'pk_test', host: 'https://collector.test' });
    await p.sender.send(T0);
    expect(c.events()).toEqual([event(1)]);
  });

  it('moves the write-ahead into IndexedDB once, then removes it from localStorage', async () => {
    let down = true;
    const c = collector(() => ({ status: down ? 503 : 200 }));
    const { sender, outbox } = await outboxPage();
    // A write-ahead left by an earlier page whose sender never loaded, written twice by two tabs.
    localStorage.setItem('_cb_outbox', JSON.stringify({ q: [event(1), event(1), event(2)] }));
    await sender.send(T0);
    outbox.stopOutbox(); // the test plays the clock: the page's own retry timer must not fire in between
    expect((await stored()).q.map((e: any) => e.messageId)).toEqual(['msg-0001', 'msg-0002']);
    expect(localStorage.getItem('_cb_outbox')).toBeNull();
    down = false;
    await sender.send(T0 + 400_000);
    expect(c.sent.at(-1)!.body.events.map((e: any) => e.messageId)).toEqual(['msg-0001', 'msg-0002']);
    expect((await stored()).q).toEqual([]);
    expect(localStorage.getItem('_cb_outbox')).toBeNull();
  });
});

describe('a send pass', () => {
  // Counts the tag's cookie writes and ledger writes from now on.
  function writes() {
    let proto = document;
    while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
    const cookie = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
    const count = { cookies: 0, ledger: 0 };
    vi.spyOn(document, 'cookie', 'set').mockImplementation(function (this: Document, v: string) {
      count.cookies++;
      cookie.set!.call(this, v);
    });
    const setItem = localStorage.setItem.bind(localStorage);
    // (happy-dom binds Storage methods on the instance: spied there, not on the prototype.)
    vi.spyOn(localStorage, 'setItem').mockImplementation((k: string, v: string) => {
      if (k == '_cb_state') count.ledger++;
      setItem(k, v);
    });
    return count;
  }

  it('harvests cookies only when they changed, and stores the ledger once however many batches bring a token', async () => {
    const c = collector((s) => ({
      status: 200,
      body: { accepted: s.body.events.length, duplicates: 0, rejected: [], token: `tok-${c.sent.length}` },
    }));
    const p = await load('/landing?gclid=Cj0KCQ-pass-test');
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    await settle();
    const count = writes();
    // Nothing changed: a pass reads the cookies and writes nothing.
    for (let i = 0; i < 3; i++) await p.outbox.flush();
    await started();
    expect(count).toEqual({ cookies: 0, ledger: 0 });
    // Three batches, each answered with a token: one ledger write, holding the last token.
    const { changeOutbox } = await import('./outbox-store');
    await changeOutbox((box) => ({
      ...box,
      q: Array.from({ length: 120 }, (_, i) => event(i, { anonymousId: p.ledger.ledger().a })),
    }));
    await p.outbox.flush();
    await started();
    // The landing's touch, then the 120 events in batches of at most 50 (each batch's size, so a
    // failure shows which send was extra).
    expect(c.sent.map((s) => s.body.events.length)).toEqual([1, 50, 50, 20]);
    expect(count).toEqual({ cookies: 0, ledger: 1 });
    expect(JSON.parse(localStorage.getItem('_cb_state')!).k).toBe('tok-4');
    // Another tag writes a cookie: the next pass harvests it and backs the ledger up again.
    document.cookie = `_gcl_aw=GCL.1789000001.Cj0KCQ-from-gcl-aw;path=/`;
    (window as any).clearbit.identify('ada@example.com');
    const ada = () => c.events().find((e) => e.email == 'ada@example.com');
    await vi.waitFor(() => expect(ada()).toBeDefined());
    expect(ada().touches.map((t: any) => t.value)).toContain('Cj0KCQ-from-gcl-aw');
    await vi.waitFor(() => expect(document.cookie).toContain('Cj0KCQ-from-gcl-aw'.slice(0, 10)));
    // A click ID the core captured (a navigation) reaches the cookie backup at the next pass.
    history.pushState(null, '', '/next?fbclid=IwAR_after_navigation');
    await vi.waitFor(() => expect(document.cookie).toContain('fbclid*IwAR_after_navigation'));
  });
});
