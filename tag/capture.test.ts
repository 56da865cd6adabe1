import { beforeEach, describe, expect, it } from 'vitest';
import { captureFromUrl } from './capture';
import { readLedger } from './ledger';

describe('capture', () => {
  beforeEach(() => localStorage.clear());

  it('records gclid and fbclid exactly as received, with first-seen time and landing URL', () => {
    captureFromUrl('https://site.test/lp?gclid=AbC-123_x&fbclid=IwAR_Zz&utm_source=x', 'https://google.com/', 1000);
    expect(readLedger()).toEqual([
      { kind: 'gclid', value: 'AbC-123_x', firstSeen: 1000, lastSeen: 1000, landingUrl: 'https://site.test/lp?gclid=AbC-123_x&fbclid=IwAR_Zz&utm_source=x', referrer: 'https://google.com/' },
      { kind: 'fbclid', value: 'IwAR_Zz', firstSeen: 1000, lastSeen: 1000, landingUrl: 'https://site.test/lp?gclid=AbC-123_x&fbclid=IwAR_Zz&utm_source=x', referrer: 'https://google.com/' },
    ]);
  });

  it('keeps the first-seen time when the same click ID is seen again', () => {
    captureFromUrl('https://site.test/?gclid=G1', '', 1000);
    captureFromUrl('https://site.test/other?gclid=G1', '', 5000);
    const [t] = readLedger();
    expect(t).toMatchObject({ kind: 'gclid', value: 'G1', firstSeen: 1000, lastSeen: 5000, landingUrl: 'https://site.test/?gclid=G1' });
  });

  it('ignores pages without click IDs', () => {
    captureFromUrl('https://site.test/pricing?utm_source=x', '', 1000);
    expect(readLedger()).toEqual([]);
  });
});
