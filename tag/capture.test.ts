import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { teardown, collector, newSite, page, started } from './testing';

const NOW = 1_790_000_000_000;
// Real-looking values of every click kind in the registry, in mixed case.
const IDS: Record<string, string> = {
  gclid: 'Cj0KCQiA4L67BhDUARIsADWrl7EGr1pXrHk1J-3a2bVZ_cUqFfXYz9q7nUfR8b1Ek3kTt6N8lZy0aAqSfEALw_wcB',
  gbraid: '0AAAAADoHpJxWq1s-7bK3x_VvF9wE2yG5h',
  wbraid: 'CjkKCQiA4L67BhDUARIsADWrl7H1b5z8e_3Kx9',
  dclid: 'CJm1mLbR2_sCFUcQBgAdnK0Ngw',
  fbclid: 'IwZXh0bgNhZW0BMABhZGlkAasvbnUHdh0BHTmXz_aem_AbCdEf-GhIjKlMnOp',
  msclkid: '8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6',
  li_fat_id: '85929337-d448-42da-a095-0b3c5500fa50',
  ttclid: 'E.C.P.CscBLZfvrPB7sQ9kFq2-fZ_aKzNw3Pp8uY1mZk',
  twclid: '2-7x4k2bxh3q9r7f1n0z8c6v5m',
  rdt_cid: '2745930112238747719',
  ScCid: 'c4a5ef4e-3b1c-4f6e-9d7a-0b1c2d3e4f50',
  epik: 'dj0yJnU9a2hCdE9Gb1lQb3FtN0FtS0pQM0dCUQ',
  qclid: 'a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1',
};

beforeEach(() => {
  newSite();
  collector();
});
afterEach(teardown);

// What a page does: the core takes the URL's click IDs, the sender harvests other tags' cookies.
async function captureOn(path: string, now = NOW, referrer = 'https://ads.example/') {
  const p = await page(path);
  const { take } = await import('./calls');
  const { capture } = await import('./capture');
  const { harvest } = await import('./harvest');
  const added = take(capture(location.href, referrer, now), now);
  harvest(now);
  await started(); // the ledger is stored in a step of its own (later.ts)
  return { added, touches: p.ledger.ledger().l, p };
}

describe('capture', () => {
  it('records every click ID of the registry exactly as received, with landing URL, referrer and times', async () => {
    const query = Object.entries(IDS)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const { added, touches } = await captureOn(`/landing?utm_source=x&${query}`);
    expect(added.map((t) => [t.kind, t.value])).toEqual(Object.entries(IDS));
    for (const t of added) {
      expect(t).toEqual({
        kind: t.kind,
        value: IDS[t.kind],
        firstSeen: NOW,
        lastSeen: NOW,
        landingUrl: location.href,
        referrer: 'https://ads.example/',
      });
    }
    expect(touches.filter((t) => t.kind != 'fbp')).toEqual(added);
  });

  it('keeps the first-seen time when an ID is seen again, and reports only new IDs', async () => {
    await captureOn('/a?gclid=Cj0KCQ-first-sight', NOW);
    const { added, touches } = await captureOn(
      '/b?gclid=Cj0KCQ-first-sight&fbclid=IwAR_second_id',
      NOW + 5000,
      'https://site/a',
    );
    expect(added.map((t) => t.kind)).toEqual(['fbclid']);
    expect(touches.find((t) => t.kind == 'gclid')).toMatchObject({
      firstSeen: NOW,
      lastSeen: NOW + 5000,
      landingUrl: expect.stringContaining('/a?gclid='),
    });
  });

  it('harvests the IDs other tags keep in cookies, unwrapped, keeping the cookie time as first-seen', async () => {
    const fbc = `fb.1.1789000000123.${IDS.fbclid}`;
    const fbp = 'fb.1.1789000000456.1234567890';
    document.cookie = `_fbc=${fbc};path=/`;
    document.cookie = `_fbp=${fbp};path=/`;
    document.cookie = `_gcl_aw=GCL.1789000001.${IDS.gclid};path=/`;
    document.cookie = `_gcl_gb=GCL.1789000002.${IDS.gbraid};path=/`;
    document.cookie = `_uetmsclkid=_uet${IDS.msclkid};path=/`;
    document.cookie = `li_fat_id=${IDS.li_fat_id};path=/`;
    document.cookie = `_ttp=2Lr3ZzXmz1xmKfUGgy5ThYpQFQK;path=/`;
    document.cookie = `_rdt_uuid=1789000000789.b8f7eb7d-b357-437b-8bd3-e1c8166c7132;path=/`;
    const { touches } = await captureOn('/pricing');
    const byKind = Object.fromEntries(touches.map((t) => [t.kind, t]));
    expect(byKind.fbclid).toEqual({
      kind: 'fbclid',
      value: IDS.fbclid,
      raw: fbc,
      firstSeen: 1789000000123,
      lastSeen: NOW,
    });
    expect(byKind.fbp).toEqual({ kind: 'fbp', value: fbp, firstSeen: 1789000000456, lastSeen: NOW });
    expect(byKind.gclid).toEqual({ kind: 'gclid', value: IDS.gclid, firstSeen: 1789000001000, lastSeen: NOW });
    expect(byKind.gbraid).toEqual({ kind: 'gbraid', value: IDS.gbraid, firstSeen: 1789000002000, lastSeen: NOW });
    expect(byKind.msclkid).toEqual({ kind: 'msclkid', value: IDS.msclkid, firstSeen: NOW, lastSeen: NOW });
    expect(byKind.li_fat_id).toMatchObject({ value: IDS.li_fat_id });
    expect(byKind.ttp).toMatchObject({ value: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK' });
    expect(byKind.rdt_uuid).toEqual({
      kind: 'rdt_uuid',
      value: '1789000000789.b8f7eb7d-b357-437b-8bd3-e1c8166c7132',
      firstSeen: 1789000000789,
      lastSeen: NOW,
    });
    expect(touches).toHaveLength(8);
  });

  it('merges the URL fbclid and the _fbc cookie of the same click into one touch', async () => {
    const fbc = `fb.1.1789000000123.${IDS.fbclid}`;
    document.cookie = `_fbc=${fbc};path=/`;
    const { touches } = await captureOn(`/lp?fbclid=${IDS.fbclid}`);
    expect(touches.filter((t) => t.kind == 'fbclid')).toEqual([
      {
        kind: 'fbclid',
        value: IDS.fbclid,
        raw: fbc,
        firstSeen: 1789000000123,
        lastSeen: NOW,
        landingUrl: location.href,
        referrer: 'https://ads.example/',
      },
    ]);
  });

  it("mints Meta's _fbp when none exists, keeps it on the registrable domain, and reuses it", async () => {
    newSite('www.shop.example');
    const { touches } = await captureOn('/');
    const fbp = touches.find((t) => t.kind == 'fbp')!;
    expect(fbp.value).toMatch(new RegExp(`^fb\\.1\\.${NOW}\\.\\d+$`));
    (window as any).happyDOM.setURL('https://blog.shop.example/');
    expect(document.cookie).toContain(`_fbp=${fbp.value}`);
    (window as any).happyDOM.setURL('https://www.shop.example/');
    const again = await captureOn('/next', NOW + 1000);
    expect(again.touches.filter((t) => t.kind == 'fbp').map((t) => t.value)).toEqual([fbp.value]);
  });

  it("ignores junk values and unknown or differently cased params; a value failing its kind's format is never sent", async () => {
    const { added, p } = await captureOn(`/?GCLID=${IDS.gclid}&gclid=%3Cscript%3E&fbclid=a%20b&msclkid=not-a-guid`);
    // The core's loose check keeps junk out of storage...
    expect(added.map((t) => [t.kind, t.value])).toEqual([['msclkid', 'not-a-guid']]);
    // ...and the registry's check (an msclkid is a GUID) keeps it out of everything sent.
    expect(p.live(NOW).filter((t) => t.kind != 'fbp')).toEqual([]);
  });
});
