import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collector, load, newSite, page, started, teardown } from './testing';

const HOST = 'https://collector.test';
const GCLID = 'Cj0KCQiA_deferred-Test';
let c: ReturnType<typeof collector>;

beforeEach(() => {
  newSite();
  c = collector();
});
afterEach(async () => {
  await teardown();
  vi.restoreAllMocks();
});

/** Counts every localStorage, document.cookie and IndexedDB access from now on. */
function watchStorage() {
  const touched: string[] = [];
  for (const m of ['getItem', 'setItem', 'removeItem', 'key', 'clear'] as const) {
    const original = Storage.prototype[m] as (...a: unknown[]) => unknown;
    vi.spyOn(Storage.prototype, m).mockImplementation(function (this: Storage, ...a: unknown[]) {
      touched.push(`localStorage.${m}`);
      return original.apply(this, a);
    });
  }
  let proto = Object.getPrototypeOf(document);
  while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
  const cookie = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get() {
      touched.push('cookie read');
      return cookie.get!.call(this);
    },
    set(v) {
      touched.push('cookie write');
      cookie.set!.call(this, v);
    },
  });
  const open = indexedDB.open;
  vi.spyOn(indexedDB, 'open').mockImplementation((...a) => {
    touched.push('indexedDB.open');
    return open.apply(indexedDB, a as [string]);
  });
  return { touched, stop: () => delete (document as any).cookie };
}

describe('deferred storage (the core keeps calls in memory; the sender stores them in steps, later.ts)', () => {
  it('evaluating the tag (install, the queue replayed, the URL captured) touches no storage; later steps store it all', async () => {
    const p = await page(`/landing?gclid=${GCLID}`, (w) => {
      w.clearbit = [
        ['load', 'pk_test', HOST],
        ['consent', { ads: 'granted' }],
        ['identify', 'ada@example.com', { plan: 'pro' }],
        ['page'],
      ];
    });
    const watch = watchStorage();
    p.install.install(window);
    (window as any).clearbit.identify('bob@example.com');
    history.pushState({}, '', '/pricing?fbclid=IwAR_pushed_state');
    expect(watch.touched).toEqual([]);
    await started();
    watch.stop();
    expect(watch.touched).toContain('localStorage.getItem');
    expect(watch.touched).toContain('localStorage.setItem');
    await vi.waitFor(() => expect(c.events().filter((e) => e.type == 'identify')).toHaveLength(2));
    const state = JSON.parse(localStorage.getItem('_cb_state')!);
    expect(state).toMatchObject({ c: 1 });
    expect(state.l.map((t: any) => t.value)).toEqual(expect.arrayContaining([GCLID, 'IwAR_pushed_state']));
    // Each carries what the ledger held when the sender completed it (the pushed fbclid, maybe).
    const identifies = c.events().filter((e) => e.type == 'identify');
    expect(identifies.map((e) => e.email)).toEqual(['ada@example.com', 'bob@example.com']);
    for (const e of identifies)
      expect(e.touches.map((t: any) => t.kind)).toEqual(expect.arrayContaining(['gclid', 'fbp']));
  });

  it('runs each storage step in a task of its own, in order', async () => {
    const p = await page(
      `/landing?gclid=${GCLID}`,
      (w) =>
        (w.clearbit = [
          ['load', 'pk_test', HOST],
          ['identify', 'ada@example.com'],
        ]),
    );
    p.install.install(window);
    const { waiting } = await import('./later');
    // Once the sender has taken the core's calls (it loads when the browser is idle).
    const { link } = await import('./link');
    for (let i = 0; i < 100 && link.calls_[0]; i++) await new Promise((r) => setTimeout(r));
    const counts = [waiting()];
    while (waiting()) {
      await new Promise((r) => setTimeout(r));
      counts.push(waiting());
    }
    expect(counts[0]).toBeGreaterThan(2);
    // One step per task: the count only ever drops by one (a step may queue the next ones).
    for (let i = 1; i < counts.length; i++) expect(counts[i - 1]! - counts[i]!).toBeLessThanOrEqual(1);
  });

  for (const leave of ['pagehide', 'visibilitychange'] as const) {
    it(`a capture and an identify followed at once by ${leave} are stored before the page goes, and delivered from the next page`, async () => {
      let down = true;
      c = collector(() => ({ status: down ? 503 : 200 }));
      const p = await page(`/landing?gclid=${GCLID}`, (w) => (w.clearbit = [['load', 'pk_test', HOST]]));
      // A sender that has not loaded yet: the core holds the capture and the identify in memory.
      let arrive = () => {};
      p.handoff.useSender(() => new Promise((r) => (arrive = r as () => void)).then(p.startSender));
      p.install.install(window);
      (window as any).clearbit.identify('ada@example.com');
      expect(Object.keys(localStorage)).toEqual([]);
      if (leave == 'pagehide') window.dispatchEvent(new Event('pagehide'));
      else {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
        delete (document as any).visibilityState;
      }
      // Synchronously, in the event's own task: the calls written ahead, the URL with the click ID
      // and the identify.
      const ahead = JSON.parse(localStorage.getItem('_cb_calls')!);
      expect(ahead.map((c: any) => c[0])).toEqual(['page', 'identify']);
      expect(JSON.stringify(ahead)).toContain(GCLID);
      // (The sender arriving on a page already left takes nothing twice.)
      arrive();
      await started();
      down = false;
      const next = await load('/next');
      // Past the backoff the first page's 503 set.
      await next.outbox.flush(Date.now() + 5000);
      expect(
        c.sent
          .at(-1)!
          .body.events.map((e: any) => e.type)
          .sort(),
      ).toEqual(['identify', 'touch']);
      const identify = c.sent.at(-1)!.body.events.find((e: any) => e.type == 'identify');
      expect(identify).toMatchObject({
        email: 'ada@example.com',
        touches: expect.arrayContaining([expect.objectContaining({ kind: 'gclid', value: GCLID })]),
      });
    });
  }
});
