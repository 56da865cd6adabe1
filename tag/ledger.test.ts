import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { teardown, collector, load, newSite, page, settle } from './testing';
import type { Touch } from './ledger';

const DAY = 86_400_000;
const NOW = Date.now();
const touch = (kind: string, value: string, firstSeen: number, lastSeen = firstSeen): Touch => ({
  kind,
  value,
  firstSeen,
  lastSeen,
});

let brand = 0;
let domain = '';
beforeEach(() => {
  domain = `brand${++brand}.example`;
  newSite(`www.${domain}`);
  collector();
});
afterEach(teardown);

describe('ledger', () => {
  it('survives page loads in localStorage, with the same anonymous id', async () => {
    let p = await page('/');
    p.backup.restore();
    const { a } = p.ledger.ledger();
    expect(a).toMatch(/^[\w-]{16,64}$/);
    p.ledger.merge(touch('gclid', 'Cj0KCQ-persisted', NOW));
    p.ledger.save();
    p = await page('/other');
    expect(p.ledger.ledger()).toMatchObject({ a, l: [touch('gclid', 'Cj0KCQ-persisted', NOW)] });
  });

  it('keeps the newest ID per platform and the anonymous id in a cookie under 1 KB on the registrable domain, which restores a cleared localStorage', async () => {
    let p = await page('/');
    p.backup.restore();
    const { a } = p.ledger.ledger();
    p.ledger.merge({
      ...touch('gclid', 'Cj0KCQ-older-google', NOW - 2 * DAY),
      landingUrl: 'https://www.brand.example/?gclid=x',
    });
    p.ledger.merge(touch('wbraid', 'CjkKCQ-newer-google', NOW - DAY));
    p.ledger.merge(touch('fbclid', 'IwAR_meta_click_id', NOW - 3 * DAY));
    p.ledger.merge(touch('msclkid', '8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6', NOW - 4 * DAY));
    p.ledger.save();
    p.backup.backup(NOW);
    // Visible on a sibling subdomain: the cookie is on brand.example.
    (window as any).happyDOM.setURL(`https://shop.${domain}/`);
    const cookie = document.cookie.match(/_cb_ids=([^;]*)/)![1]!;
    expect(cookie.length).toBeLessThan(1024);
    expect(cookie.split('|')).toEqual([
      a,
      `wbraid*CjkKCQ-newer-google*${(NOW - DAY).toString(36)}`,
      `fbclid*IwAR_meta_click_id*${(NOW - 3 * DAY).toString(36)}`,
      `msclkid*8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6*${(NOW - 4 * DAY).toString(36)}`,
    ]);
    (window as any).happyDOM.setURL(`https://www.${domain}/`);
    localStorage.clear();
    p = await page('/back');
    expect(p.ledger.ledger().a).toBeUndefined(); // the core reads localStorage only
    p.backup.restore();
    expect(p.ledger.ledger().a).toBe(a);
    expect(p.live(NOW).map((t) => [t.kind, t.value, t.firstSeen])).toEqual([
      ['wbraid', 'CjkKCQ-newer-google', NOW - DAY],
      ['fbclid', 'IwAR_meta_click_id', NOW - 3 * DAY],
      ['msclkid', '8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6', NOW - 4 * DAY],
    ]);
  });

  it("puts the cookies where config cookieDomain says: a named parent domain, or the page's own host with 'none'", async () => {
    const cookieOn = (host: string) => {
      (window as any).happyDOM.setURL(`https://${host}/`);
      const jar = document.cookie;
      (window as any).happyDOM.setURL(`https://www.shop.${domain}/`);
      return ['_cb_ids', '_fbp'].filter((name) => jar.includes(`${name}=`));
    };
    newSite(`www.shop.${domain}`);
    await load('/?gclid=Cj0KCQ-named-domain', [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { cookieDomain: `.shop.${domain}` }],
    ]);
    await settle();
    expect(cookieOn(`app.shop.${domain}`)).toEqual(['_cb_ids', '_fbp']);
    expect(cookieOn(`www.${domain}`)).toEqual([]);

    newSite(`www.shop.${domain}`);
    for (const c of document.cookie.split('; '))
      document.cookie = `${c.split('=')[0]}=;path=/;max-age=0;domain=shop.${domain}`;
    await load('/?gclid=Cj0KCQ-host-only', [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { cookieDomain: 'none' }],
    ]);
    await settle();
    expect(cookieOn(`www.shop.${domain}`)).toEqual(['_cb_ids', '_fbp']);
    expect(cookieOn(`app.shop.${domain}`)).toEqual([]);
    expect(document.cookie).toMatch(/_fbp=fb\.3\./); // Meta's domain level: the host's
  });

  it('falls back to the registrable domain when cookieDomain names a domain the page is not on', async () => {
    await load('/?gclid=Cj0KCQ-foreign-domain', [
      ['load', 'pk_test', 'https://collector.test'],
      ['config', { cookieDomain: 'other.example' }],
    ]);
    await settle();
    (window as any).happyDOM.setURL(`https://shop.${domain}/`);
    expect(document.cookie).toContain('_cb_ids=');
  });

  it('keeps the cookie under 1 KB however long the IDs are', async () => {
    const p = await page('/');
    p.backup.restore();
    for (const kind of ['gclid', 'fbclid', 'ttclid', 'twclid', 'rdt_cid', 'epik', 'qclid'])
      p.ledger.merge(touch(kind, `${kind}-${'x'.repeat(300)}`, NOW));
    p.backup.backup(NOW);
    const cookie = document.cookie.match(/_cb_ids=([^;]*)/)![1]!;
    expect(cookie.length).toBeLessThan(1000);
    expect(cookie.split('|').length).toBeGreaterThan(2);
  });

  it('expires each touch with its platform window and keeps browser ids while they are seen', async () => {
    const p = await page('/');
    p.ledger.merge(touch('gclid', 'Cj0KCQ-89-days-old', NOW - 89 * DAY, NOW));
    p.ledger.merge(touch('dclid', 'CJm1mLbR-91-days-old', NOW - 91 * DAY, NOW));
    p.ledger.merge(touch('ttclid', 'E.C.P.27-days-old', NOW - 27 * DAY));
    p.ledger.merge(touch('ttclid', 'E.C.P.29-days-old', NOW - 29 * DAY));
    p.ledger.merge(touch('fbp', 'fb.1.1700000000000.123456', NOW - 400 * DAY, NOW - DAY));
    expect(
      p
        .live(NOW)
        .map((t) => t.value)
        .sort(),
    ).toEqual(['Cj0KCQ-89-days-old', 'E.C.P.27-days-old', 'fb.1.1700000000000.123456']);
  });

  it('folds a value seen again into one touch, whichever was seen first, and cuts its URLs to 1 KB', async () => {
    const p = await page('/');
    const raw = 'fb.1.1789000000123.IwAR_seen_twice';
    p.ledger.merge({ ...touch('fbclid', 'IwAR_seen_twice', NOW - DAY, NOW - DAY), raw });
    expect(
      p.ledger.merge({
        ...touch('fbclid', 'IwAR_seen_twice', NOW, NOW),
        landingUrl: `https://www.${domain}/?fbclid=IwAR_seen_twice&x=${'y'.repeat(2000)}`,
        referrer: 'https://ads.example/',
      }),
    ).toBe(false);
    const live = p.live(NOW);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ raw, firstSeen: NOW - DAY, lastSeen: NOW, referrer: 'https://ads.example/' });
    expect(live[0]!.landingUrl).toHaveLength(1024);
    expect(p.ledger.ledger().l).toEqual(live);
  });

  it('caps the ledger: the newest 5 of a kind and 50 in all', async () => {
    const p = await page('/');
    for (let i = 0; i < 8; i++) p.ledger.merge(touch('gclid', `Cj0KCQ-gclid-${i}`, NOW - 100_000 + i));
    for (const kind of [
      'gbraid',
      'wbraid',
      'dclid',
      'fbclid',
      'ttclid',
      'twclid',
      'rdt_cid',
      'ScCid',
      'epik',
      'qclid',
      'li_fat_id',
    ]) {
      for (let i = 0; i < 5; i++) p.ledger.merge(touch(kind, `${kind}-value-${i}`, NOW - 1000 + i));
    }
    const live = p.live(NOW);
    expect(live).toHaveLength(50);
    expect(live.filter((t) => t.kind == 'gclid')).toEqual([]);
    const q = await page('/');
    q.ledger.merge(touch('gclid', 'Cj0KCQ-only-google', NOW));
    for (let i = 0; i < 8; i++) q.ledger.merge(touch('fbclid', `fbclid-value-${i}`, NOW - 10 + i));
    expect(
      q
        .live(NOW)
        .filter((t) => t.kind == 'fbclid')
        .map((t) => t.value),
    ).toEqual([7, 6, 5, 4, 3].map((i) => `fbclid-value-${i}`));
  });

  it('ignores a tampered cookie and junk in localStorage', async () => {
    document.cookie = '_cb_ids=<bad>|gclid*has space*zzz|nope*Cj0KCQ-unknown-kind*1;path=/';
    localStorage.setItem('_cb_state', '{not json');
    const p = await page('/');
    p.backup.restore();
    expect(p.ledger.ledger().a).toMatch(/^[\w-]{16,64}$/);
    expect(p.ledger.ledger().l).toEqual([]);
  });
});
