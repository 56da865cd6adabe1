import { describe, expect, it } from 'vitest';
import { googleMayReceiveIp, requestCountry } from './ip-regions';

describe('IP regions', () => {
  it('withholds IPs from the EEA, the UK and Switzerland, and IPs of unknown origin', () => {
    for (const c of ['DE', 'fr', 'IE', 'NO', 'IS', 'LI', 'GB', 'CH', 'RE']) expect(googleMayReceiveIp(c)).toBe(false);
    for (const c of ['US', 'CA', 'BR', 'JP', 'in', 'TR']) expect(googleMayReceiveIp(c)).toBe(true);
    for (const c of [null, undefined, '', 'XX', 'T1', 'USA']) expect(googleMayReceiveIp(c)).toBe(false);
  });

  it("reads Cloudflare's country codes", () => {
    expect(requestCountry(' de ')).toBe('DE');
    expect(requestCountry('XX')).toBeNull();
    expect(requestCountry('T1')).toBeNull();
  });
});
