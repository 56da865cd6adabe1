import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore, get } from 'idb-keyval';
import { teardown, collector, cookieNames, idbDatabases, load, newSite, page, settle, started } from './testing';

const GCLID = 'Cj0KCQiA_consent-Test';
const LP = `/landing?gclid=${GCLID}`;
let c: ReturnType<typeof collector>;

beforeEach(() => {
  newSite();
  c = collector();
});
afterEach(async () => {
  await teardown();
  delete (navigator as any).globalPrivacyControl;
});

async function nothingStored() {
  await settle();
  expect(localStorage.length).toBe(0);
  expect(cookieNames()).toEqual([]);
  expect(await idbDatabases()).toEqual([]);
}

describe('consent', () => {
  it('with a default of denied, stores nothing, and identify sends no click IDs', async () => {
    await load(LP, [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { consent: 'denied' }],
    ]);
    (window as any).clearbit.identify('ada@example.com', { plan: 'pro' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    await nothingStored();
    expect(c.events()).toMatchObject([
      { type: 'identify', email: 'ada@example.com', touches: [], context: { consent: { ads: 'denied' } } },
    ]);
    // Not even the collector's own cookie: the request carries no credentials.
    expect(c.sent[0]!.init.credentials).toBe('omit');
  });

  it('with Global Privacy Control, stores nothing and sends no click IDs', async () => {
    (navigator as any).globalPrivacyControl = true;
    await load(LP);
    (window as any).clearbit.identify('gpc@example.com');
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    await nothingStored();
    expect(c.events()).toMatchObject([{ type: 'identify', touches: [], context: { consent: { ads: 'denied' } } }]);
  });

  it('reads Google Consent Mode from the dataLayer: the latest ad_storage / ad_user_data state wins', async () => {
    const gtag = (...args: unknown[]) => (window as any).dataLayer.push(args);
    await load(LP, undefined, (w) => {
      w.dataLayer = [];
      gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', analytics_storage: 'denied' });
    });
    await nothingStored();
    gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted' });
    (window as any).clearbit.page();
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(localStorage.getItem('_cb_state')).toContain(GCLID);
    expect(c.events().map((e) => [e.type, e.context.consent.ads, e.touches.map((t: any) => t.kind).sort()])).toEqual([
      ['touch', 'granted', ['fbp', 'gclid']],
    ]);
  });

  it('consent({ads: "denied"}) erases what was stored; a later grant stores the click IDs again and is remembered', async () => {
    const p = await load(LP);
    await settle();
    expect(localStorage.getItem('_cb_state')).toContain(GCLID);
    expect(cookieNames()).toContain('_cb_ids');
    (window as any).clearbit.consent({ ads: 'denied' });
    // The denial holds at once; the erasing is a step of its own (later.ts).
    expect(p.ledger.storageAllowed()).toBe(false);
    await started();
    expect(localStorage.getItem('_cb_state')).toBeNull();
    expect(cookieNames()).not.toContain('_cb_ids');
    (window as any).clearbit.consent({ ads: 'granted' });
    await started();
    expect(JSON.parse(localStorage.getItem('_cb_state')!)).toMatchObject({
      c: 1,
      l: expect.arrayContaining([expect.objectContaining({ kind: 'gclid', value: GCLID })]),
    });
    // Next page: the configured default is denied, but the remembered grant holds.
    await load('/pricing', [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { consent: 'denied' }],
    ]);
    expect(p.ledger.consent).toBeDefined();
    const { consent } = await import('./ledger');
    expect(consent()).toBe('granted');
  });

  it('click IDs captured while denied are kept in memory and go out once consent is granted', async () => {
    await load(LP, [
      ['load', 'pk_test', 'https://collector.test'],
      ['consent', { ads: 'denied' }],
    ]);
    await settle();
    expect(c.sent).toEqual([]);
    (window as any).clearbit.consent({ ads: 'granted' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()).toMatchObject([
      {
        type: 'touch',
        touches: expect.arrayContaining([
          expect.objectContaining({ kind: 'gclid', value: GCLID }),
          expect.objectContaining({ kind: 'fbp' }),
        ]),
        context: { consent: { ads: 'granted' } },
      },
    ]);
    expect(c.events()[0].touches).toHaveLength(2);
  });

  it('keeps an identify made while denied in memory only, and still delivers it', async () => {
    let down = true;
    c = collector(() => (down ? { status: 503 } : { status: 200 }));
    await load('/', [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { consent: 'denied' }],
    ]);
    (window as any).clearbit.identify('mem@example.com');
    await vi.waitFor(() => expect(c.sent).toHaveLength(1));
    await nothingStored();
    down = false;
    const { flush } = await import('./outbox');
    await flush(Date.now() + 5000);
    expect(c.events().map((e) => e.email)).toEqual(['mem@example.com', 'mem@example.com']);
  });
});

describe("consent pending (config consent: 'pending')", () => {
  const PENDING: unknown[][] = [
    ['load', 'pk_test', 'https://collector.test'],
    ['config', { consent: 'pending' }],
  ];
  const held = () => (JSON.parse(sessionStorage.getItem('_cb_state') || '{}').l || []).map((t: any) => t.value);

  it('holds a click ID in session storage only, and a navigation before the answer keeps it until a grant sends it', async () => {
    await load(LP, PENDING);
    await settle();
    expect(c.sent).toEqual([]);
    expect(localStorage.length).toBe(0);
    expect(cookieNames()).toEqual([]);
    expect(await idbDatabases()).toEqual([]);
    expect(held()).toEqual([GCLID]);
    // The visitor moves on before answering the banner.
    await load('/pricing', PENDING);
    await settle();
    expect(c.sent).toEqual([]);
    expect(localStorage.length).toBe(0);
    (window as any).clearbit.consent({ ads: 'granted' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()[0]).toMatchObject({ type: 'touch', context: { consent: { ads: 'granted' } } });
    expect(c.events()[0].touches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'gclid', value: GCLID, landingUrl: expect.stringContaining(LP) }),
      ]),
    );
    expect(JSON.parse(localStorage.getItem('_cb_state')!).l.map((t: any) => t.value)).toContain(GCLID);
    expect(sessionStorage.getItem('_cb_state')).toBeNull();
  });

  it('a page left before its sender loads holds its click ID in session storage only, and a grant on the next page sends it', async () => {
    const p = await page(LP, (w) => (w.clearbit = PENDING.slice()));
    p.handoff.useSender(() => new Promise(() => {})); // never arrives
    p.install.install(window);
    window.dispatchEvent(new Event('pagehide'));
    expect(localStorage.length).toBe(0);
    expect(cookieNames()).toEqual([]);
    expect(sessionStorage.getItem('_cb_calls')).toContain(GCLID);
    await load('/pricing', PENDING);
    await settle();
    expect(c.sent).toEqual([]);
    expect(localStorage.length).toBe(0);
    expect(held()).toEqual([GCLID]);
    (window as any).clearbit.consent({ ads: 'granted' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()[0].touches.map((t: any) => t.value)).toContain(GCLID);
  });

  it('a denial drops the held click ID: the session copy is erased, nothing is stored or sent with it, and the next page holds nothing', async () => {
    await load(LP, PENDING);
    await settle();
    expect(held()).toEqual([GCLID]);
    (window as any).clearbit.consent({ ads: 'denied' });
    (window as any).clearbit.identify('ada@example.com');
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    await nothingStored();
    expect(sessionStorage.length).toBe(0);
    expect(c.events()).toMatchObject([{ type: 'identify', touches: [], context: { consent: { ads: 'denied' } } }]);
    const before = c.sent.length;
    await load('/pricing', PENDING);
    (window as any).clearbit.consent({ ads: 'granted' });
    await settle();
    // (The identify's page URL is the page's, query included: the collector reads no click ID from it.)
    expect(JSON.stringify(c.sent.slice(before))).not.toContain(GCLID);
    expect(JSON.stringify(c.events().map((e) => e.touches))).not.toContain(GCLID);
    expect(JSON.stringify({ ...localStorage })).not.toContain(GCLID);
  });

  it('an identify while pending goes out as denied, without click IDs', async () => {
    await load(LP, PENDING);
    (window as any).clearbit.identify('ada@example.com');
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()).toMatchObject([{ type: 'identify', touches: [], context: { consent: { ads: 'denied' } } }]);
    expect(c.sent[0]!.init.credentials).toBe('omit');
  });

  it('with Google Consent Mode, a default of denied is pending and an update answers it', async () => {
    const gtag = (...args: unknown[]) => (window as any).dataLayer.push(args);
    const withDefault = (w: any) => {
      w.dataLayer = [];
      gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied' });
    };
    await load(LP, PENDING, withDefault);
    await settle();
    expect(held()).toEqual([GCLID]);
    expect(localStorage.length).toBe(0);
    await load('/pricing', PENDING, withDefault);
    gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted' });
    (window as any).clearbit.page();
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()[0].touches.map((t: any) => t.value)).toContain(GCLID);
    // A denying update is an answer: nothing is held in the session then.
    sessionStorage.clear();
    await load(LP.replace('consent', 'again'), PENDING, (w) => {
      withDefault(w);
      gtag('consent', 'update', { ad_storage: 'denied', ad_user_data: 'denied' });
    });
    await settle();
    expect(sessionStorage.length).toBe(0);
  });

  it("a site whose default is 'denied' never uses session storage", async () => {
    await load(LP, [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { consent: 'denied' }],
    ]);
    await settle();
    expect(sessionStorage.length).toBe(0);
  });
});

describe('a denial takes back what was queued before it', () => {
  const idb = async () => JSON.stringify((await get('_cb_outbox', createStore('_cb_outbox', 'events'))) ?? null);
  // Everything the tag may have persisted: localStorage, cookies, the IndexedDB outbox.
  const persisted = async () => JSON.stringify({ ...localStorage }) + document.cookie + (await idb());
  const sentAfter = (c: { sent: any[] }, n: number) => c.sent.slice(n).flatMap((s) => s.body.events);

  // A landing page whose touch event and identify wait in the IndexedDB outbox: the collector answers
  // 503 until `up()`.
  async function waitingInOutbox() {
    let down = true;
    c = collector(() => ({ status: down ? 503 : 200 }));
    const p = await load(LP);
    (window as any).clearbit.identify('ada@example.com');
    // (It may wait for the touch event's backoff, about a second.)
    await vi.waitFor(() => expect(c.events().map((e) => e.type)).toContain('identify'), { timeout: 5000 });
    await settle();
    p.outbox.stopOutbox(); // the test plays the clock
    expect(await idb()).toContain(GCLID);
    return { p, up: () => (down = false) };
  }

  it('consent({ads: "denied"}) empties the IndexedDB outbox: identifies go without click IDs, touch events never', async () => {
    const { p, up } = await waitingInOutbox();
    (window as any).clearbit.consent({ ads: 'denied' });
    await started();
    await settle();
    expect(await persisted()).not.toContain(GCLID);
    const before = c.sent.length;
    up();
    await p.outbox.flush(Date.now() + 600_000);
    const after = sentAfter(c, before);
    expect(after.map((e) => [e.type, e.email, e.touches, e.context.consent.ads])).toEqual([
      ['identify', 'ada@example.com', [], 'denied'],
    ]);
    expect(await persisted()).not.toContain(GCLID);
  });

  // A page whose sender has not loaded (yet): an earlier page stored a click ID; this one captures it
  // again and identifies, then the visitor denies.
  async function deniedBeforeTheSender() {
    c = collector();
    await load(LP);
    await settle();
    expect(await persisted()).toContain(GCLID);
    expect(cookieNames()).toContain('_cb_ids');
    const p = await page(LP, (w) => (w.clearbit = [['load', 'pk_test', 'https://collector.test']]));
    p.handoff.useSender(() => Promise.reject(new Error('the sender could not load')));
    p.install.install(window);
    (window as any).clearbit.identify('ada@example.com');
    (window as any).clearbit.consent({ ads: 'denied' });
    await started();
    expect(c.events().filter((e) => e.type == 'identify')).toEqual([]);
    return p;
  }

  it('consent({ads: "denied"}) before the sender loads: once it arrives, the identify goes without click IDs and the stored ones are erased', async () => {
    const p = await deniedBeforeTheSender();
    p.handoff.useSender(() => Promise.resolve().then(p.startSender));
    p.handoff.flush();
    await vi.waitFor(() => expect(c.events().filter((e) => e.type == 'identify')).toHaveLength(1));
    await settle();
    expect(
      c
        .events()
        .filter((e) => e.type == 'identify')
        .map((e) => [e.touches, e.context.consent.ads]),
    ).toEqual([[[], 'denied']]);
    expect(await persisted()).not.toContain(GCLID);
    expect(cookieNames()).not.toContain('_cb_ids');
  });

  it('consent({ads: "denied"}) on a page left before its sender loads: what was stored is erased as it goes, and the next page sends no click ID', async () => {
    await deniedBeforeTheSender();
    window.dispatchEvent(new Event('pagehide'));
    // Synchronously, in the event's own task.
    expect(await persisted()).not.toContain(GCLID);
    expect(cookieNames()).not.toContain('_cb_ids');
    const before = c.sent.length;
    await load('/next');
    (window as any).clearbit.identify('ada@example.com');
    await vi.waitFor(() => expect(sentAfter(c, before).map((e) => e.type)).toContain('identify'));
    await settle();
    expect(JSON.stringify(sentAfter(c, before).map((e) => e.touches))).not.toContain(GCLID);
    expect(await persisted()).not.toContain(GCLID);
  });

  it('with Global Privacy Control, what an earlier page stored is erased and sent without click IDs', async () => {
    let { p, up } = await waitingInOutbox();
    // An event written ahead by a page whose sender never ran.
    const ahead = JSON.parse(localStorage.getItem('_cb_outbox') || '{"q":[]}');
    ahead.q.push({
      type: 'touch',
      messageId: 'ahead-touch-0001',
      timestamp: Date.now(),
      context: { page: { url: 'https://x.test' + LP }, consent: { ads: 'unknown' } },
    });
    localStorage.setItem('_cb_outbox', JSON.stringify(ahead));
    expect(await persisted()).toContain(GCLID);
    expect(cookieNames()).toContain('_cb_ids');
    (navigator as any).globalPrivacyControl = true;
    const before = c.sent.length;
    up();
    p = await load('/next');
    await settle();
    expect(await persisted()).not.toContain(GCLID);
    expect(cookieNames()).not.toContain('_cb_ids');
    await p.outbox.flush(Date.now() + 600_000);
    expect(sentAfter(c, before).map((e) => [e.type, e.email, e.touches, e.context.consent.ads])).toEqual([
      ['identify', 'ada@example.com', [], 'denied'],
    ]);
  });
});
