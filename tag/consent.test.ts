import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { teardown, collector, cookieNames, idbDatabases, load, newSite, settle, started } from './testing';

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
    await load(LP, [['load', 'pk_test', 'https://collector.test'], ['config', { consent: 'denied' }]]);
    (window as any).clearbit.identify('ada@example.com', { plan: 'pro' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    await nothingStored();
    expect(c.events()).toMatchObject([{ type: 'identify', email: 'ada@example.com', touches: [], context: { consent: { ads: 'denied' } } }]);
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
    expect(c.events().map((e) => [e.type, e.context.consent.ads, e.touches.map((t: any) => t.kind).sort()])).toEqual([['touch', 'granted', ['fbp', 'gclid']]]);
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
    expect(JSON.parse(localStorage.getItem('_cb_state')!)).toMatchObject({ c: 1, l: expect.arrayContaining([expect.objectContaining({ kind: 'gclid', value: GCLID })]) });
    // Next page: the configured default is denied, but the remembered grant holds.
    await load('/pricing', [['load', 'pk_test', 'https://collector.test'], ['config', { consent: 'denied' }]]);
    expect(p.ledger.consent).toBeDefined();
    const { consent } = await import('./ledger');
    expect(consent()).toBe('granted');
  });

  it('click IDs captured while denied are kept in memory and go out once consent is granted', async () => {
    await load(LP, [['load', 'pk_test', 'https://collector.test'], ['consent', { ads: 'denied' }]]);
    await settle();
    expect(c.sent).toEqual([]);
    (window as any).clearbit.consent({ ads: 'granted' });
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    expect(c.events()).toMatchObject([{ type: 'touch', touches: expect.arrayContaining([expect.objectContaining({ kind: 'gclid', value: GCLID }), expect.objectContaining({ kind: 'fbp' })]), context: { consent: { ads: 'granted' } } }]);
    expect(c.events()[0].touches).toHaveLength(2);
  });

  it('keeps an identify made while denied in memory only, and still delivers it', async () => {
    let down = true;
    c = collector(() => (down ? { status: 503 } : { status: 200 }));
    await load('/', [['load', 'pk_test', 'https://collector.test'], ['config', { consent: 'denied' }]]);
    (window as any).clearbit.identify('mem@example.com');
    await vi.waitFor(() => expect(c.sent).toHaveLength(1));
    await nothingStored();
    down = false;
    const { flush } = await import('./outbox');
    await flush(Date.now() + 5000);
    expect(c.events().map((e) => e.email)).toEqual(['mem@example.com', 'mem@example.com']);
  });
});
