import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_ID_KINDS,
  CLICK_COOKIES,
  CLICK_KINDS,
  PLATFORMS,
  clickIdsFromSearch,
  isClickKind,
  isTouchKind,
  isValidClickId,
  lifetimeMs,
  parseClickCookie,
  platformOf,
} from './click-ids';

const DAY = 86_400_000;
// Shapes seen in the wild (reference/ad-platforms.md §5.2, tag-conventions.md §5).
const REAL: Record<(typeof CLICK_KINDS)[number], string> = {
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

describe('registry', () => {
  it('knows every required kind with a platform and a lifetime of at most 90 days', () => {
    for (const kind of [...CLICK_KINDS, ...BROWSER_ID_KINDS]) {
      expect(PLATFORMS).toContain(platformOf(kind));
      expect(lifetimeMs(kind)).toBeGreaterThan(0);
      expect(lifetimeMs(kind)).toBeLessThanOrEqual(90 * DAY);
    }
  });

  it('maps kinds to platforms and documented windows', () => {
    expect(platformOf('gclid')).toBe('google');
    expect(platformOf('wbraid')).toBe('google');
    expect(platformOf('fbclid')).toBe('meta');
    expect(platformOf('fbp')).toBe('meta');
    expect(platformOf('msclkid')).toBe('microsoft');
    expect(platformOf('li_fat_id')).toBe('linkedin');
    expect(platformOf('ttclid')).toBe('tiktok');
    expect(platformOf('ttp')).toBe('tiktok');
    expect(platformOf('twclid')).toBe('x');
    expect(platformOf('rdt_cid')).toBe('reddit');
    expect(platformOf('rdt_uuid')).toBe('reddit');
    expect(platformOf('ScCid')).toBe('snapchat');
    expect(platformOf('epik')).toBe('pinterest');
    expect(platformOf('qclid')).toBe('quora');
    expect(lifetimeMs('gclid')).toBe(90 * DAY);
    expect(lifetimeMs('ttclid')).toBe(28 * DAY);
  });

  it('tells clicks from browser ids and unknown names', () => {
    expect(isClickKind('fbclid')).toBe(true);
    expect(isClickKind('fbp')).toBe(false);
    expect(isTouchKind('fbp')).toBe(true);
    expect(isClickKind('rdt_uuid')).toBe(false);
    expect(isTouchKind('rdt_uuid')).toBe(true);
    expect(isTouchKind('GCLID')).toBe(false);
    expect(isTouchKind('constructor')).toBe(false);
    expect(isTouchKind('__proto__')).toBe(false);
  });
});

describe('isValidClickId', () => {
  it('accepts real-looking values of every kind', () => {
    for (const kind of CLICK_KINDS) expect(isValidClickId(kind, REAL[kind]), kind).toBe(true);
    expect(isValidClickId('msclkid', '8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6-1')).toBe(true);
    expect(isValidClickId('fbp', 'fb.1.1785220357226.647220892511102692')).toBe(true);
    expect(isValidClickId('ttp', '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK')).toBe(true);
  });

  it('rejects junk', () => {
    for (const junk of [
      '',
      'abc',
      'has space here',
      'x<script>alert(1)',
      'a"b"c"d"e',
      "it's-a-trap",
      'tab\there',
      'nl\nxxxxx',
      'a'.repeat(501),
    ]) {
      expect(isValidClickId('gclid', junk), JSON.stringify(junk)).toBe(false);
      expect(isValidClickId('twclid', junk), JSON.stringify(junk)).toBe(false);
    }
    expect(isValidClickId('msclkid', 'not-a-guid-at-all-zzzzzzzzzzzzzzzzz')).toBe(false);
    expect(isValidClickId('fbp', 'fb.1.123.456')).toBe(false);
    expect(isValidClickId('nope', REAL.gclid)).toBe(false);
    expect(isValidClickId('gclid', 42)).toBe(false);
  });

  it('never throws and never accepts whitespace, quotes, angle brackets or control chars', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), (kind, value) => {
        isValidClickId(kind, value);
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...CLICK_KINDS, ...BROWSER_ID_KINDS),
        fc.string({ unit: 'binary' }),
        (kind, value) => {
          if (/[\s"'<>`\\\p{C}]/u.test(value)) expect(isValidClickId(kind, value)).toBe(false);
          if (value.length > 500) expect(isValidClickId(kind, value)).toBe(false);
        },
      ),
    );
  });
});

describe('clickIdsFromSearch', () => {
  it('extracts known params exactly as received, in registry order', () => {
    const search = `?utm_source=x&msclkid=${REAL.msclkid}&gclid=${REAL.gclid}&ScCid=${REAL.ScCid}`;
    expect(clickIdsFromSearch(search)).toEqual([
      { kind: 'gclid', value: REAL.gclid },
      { kind: 'msclkid', value: REAL.msclkid },
      { kind: 'ScCid', value: REAL.ScCid },
    ]);
  });

  it('matches names case-sensitively and never changes value case', () => {
    expect(clickIdsFromSearch(`GCLID=${REAL.gclid}&sccid=${REAL.ScCid}`)).toEqual([]);
    const mixed = 'AbCdEfGhIjKlMnOp_QrSt-UvWx';
    expect(clickIdsFromSearch(`fbclid=${mixed}`)).toEqual([{ kind: 'fbclid', value: mixed }]);
  });

  it('decodes percent-escapes once and skips invalid values, keeping the first valid duplicate', () => {
    expect(clickIdsFromSearch('gclid=%3Cscript%3E&gclid=Cj0KCQ%2DabcdEF')).toEqual([
      { kind: 'gclid', value: 'Cj0KCQ-abcdEF' },
    ]);
    expect(clickIdsFromSearch('gclid=&fbclid=a%20b')).toEqual([]);
    expect(clickIdsFromSearch('')).toEqual([]);
  });

  it('finds a name written with percent-escapes, and nothing in a URL that names no click ID', () => {
    expect(clickIdsFromSearch(`?%67clid=${REAL.gclid}`)).toEqual([{ kind: 'gclid', value: REAL.gclid }]);
    expect(clickIdsFromSearch('https://example.com/pricing?utm_source=newsletter&utm_medium=email')).toEqual([]);
  });

  it('reads the query of a whole URL and ignores the fragment', () => {
    expect(clickIdsFromSearch(`https://example.com/p?msclkid=${REAL.msclkid}#/x?gclid=${REAL.gclid}`)).toEqual([
      { kind: 'msclkid', value: REAL.msclkid },
    ]);
  });

  it('round-trips any valid value through a URL', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CLICK_KINDS), fc.stringMatching(/^[\w.~+/=:-]{8,100}$/), (kind, value) => {
        fc.pre(kind !== 'msclkid');
        const found = clickIdsFromSearch(`?x=1&${kind}=${encodeURIComponent(value)}#frag`);
        expect(found).toEqual([{ kind, value }]);
      }),
    );
  });
});

describe('parseClickCookie', () => {
  it('keeps _fbc whole and parses its fbclid and creation time', () => {
    const fbc = `fb.1.1554763741205.${REAL.fbclid}`;
    expect(parseClickCookie('_fbc', fbc)).toEqual({
      kind: 'fbclid',
      value: REAL.fbclid,
      firstSeen: 1554763741205,
      raw: fbc,
    });
    const withAppendix = `fb.2.1554763741205.${REAL.fbclid}.AQ`;
    expect(parseClickCookie('_fbc', withAppendix)).toMatchObject({ value: REAL.fbclid, raw: withAppendix });
    expect(parseClickCookie('_fbc', 'fb.1.notatime.abcdefghijkl')).toBeNull();
    expect(parseClickCookie('_fbc', 'fb.1.1554763741205.has space')).toBeNull();
  });

  it('keeps _fbp whole as kind fbp', () => {
    const fbp = 'fb.1.1785220357226.647220892511102692';
    expect(parseClickCookie('_fbp', fbp)).toEqual({ kind: 'fbp', value: fbp, firstSeen: 1785220357226 });
    expect(parseClickCookie('_fbp', 'garbage')).toBeNull();
  });

  it('parses Google GCL cookies into click ids with first-seen in ms', () => {
    expect(parseClickCookie('_gcl_aw', `GCL.1719412345.${REAL.gclid}`)).toEqual({
      kind: 'gclid',
      value: REAL.gclid,
      firstSeen: 1719412345000,
    });
    expect(parseClickCookie('_gcl_gb', `GCL.1719412345.${REAL.gbraid}`)).toEqual({
      kind: 'gbraid',
      value: REAL.gbraid,
      firstSeen: 1719412345000,
    });
    expect(parseClickCookie('_gcl_aw', REAL.gclid)).toBeNull();
  });

  it('strips the _uet prefix, and takes li_fat_id and _ttp raw', () => {
    expect(parseClickCookie('_uetmsclkid', `_uet${REAL.msclkid}`)).toEqual({ kind: 'msclkid', value: REAL.msclkid });
    expect(parseClickCookie('_uetmsclkid', REAL.msclkid)).toBeNull();
    expect(parseClickCookie('li_fat_id', REAL.li_fat_id)).toEqual({ kind: 'li_fat_id', value: REAL.li_fat_id });
    expect(parseClickCookie('_ttp', '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK')).toEqual({
      kind: 'ttp',
      value: '2Lr3ZzXmz1xmKfUGgy5ThYpQFQK',
    });
  });

  it("takes Reddit's _rdt_uuid whole (Reddit wants it as written), its creation ms as first-seen", () => {
    const uuid = '1677712978045.b8f7eb7d-b357-437b-8bd3-e1c8166c7132';
    expect(parseClickCookie('_rdt_uuid', uuid)).toEqual({ kind: 'rdt_uuid', value: uuid, firstSeen: 1677712978045 });
    expect(parseClickCookie('_rdt_uuid', 'b8f7eb7d-b357-437b-8bd3-e1c8166c7132')).toBeNull();
    expect(parseClickCookie('_rdt_uuid', '1677712978045.x')).toBeNull();
    expect(parseClickCookie('_rdt_uuid', '1677712978045.<script>alert(1)</script>')).toBeNull();
  });

  it('ignores unknown cookies and never throws', () => {
    expect(parseClickCookie('_ga', 'GA1.1.123.456')).toBeNull();
    fc.assert(
      fc.property(fc.constantFrom(...CLICK_COOKIES, 'other'), fc.string(), (name, value) => {
        const parsed = parseClickCookie(name, value);
        if (parsed) expect(isValidClickId(parsed.kind, parsed.value)).toBe(true);
      }),
    );
  });

  it('preserves any valid click id inside a cookie exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }),
        fc.stringMatching(/^[\w-]{8,200}$/),
        (secs, id) => {
          expect(parseClickCookie('_gcl_aw', `GCL.${secs}.${id}`)).toEqual({
            kind: 'gclid',
            value: id,
            firstSeen: secs * 1000,
          });
          const fbc = `fb.1.${secs}123.${id}`;
          expect(parseClickCookie('_fbc', fbc)).toEqual({
            kind: 'fbclid',
            value: id,
            firstSeen: secs * 1000 + 123,
            raw: fbc,
          });
        },
      ),
    );
  });
});
