import { describe, expect, it } from 'vitest';
import { parseIdsCookie } from './ids-cookie';

describe("parseIdsCookie (the tag's _cb_ids cookie)", () => {
  const t = 1_780_000_000_000;
  it('reads the anonymous id and each click ID with its first-seen time', () => {
    const v = `a1b2c3d4e5f6|gclid*Cj0KCQiA_abc123*${t.toString(36)}|li_fat_id*9f0a1b2c-3d4e-5f60-7182-93a4b5c6d7e8*${(t + 5).toString(36)}`;
    expect(parseIdsCookie(v)).toEqual({
      anonymousId: 'a1b2c3d4e5f6',
      clickIds: [
        { kind: 'gclid', value: 'Cj0KCQiA_abc123', firstSeen: t },
        { kind: 'li_fat_id', value: '9f0a1b2c-3d4e-5f60-7182-93a4b5c6d7e8', firstSeen: t + 5 },
      ],
    });
  });

  it('skips malformed parts and a malformed anonymous id, and takes a missing cookie as empty', () => {
    expect(
      parseIdsCookie(`short|gclid*Cj0KCQiA_ok*zz|nope*x*1|gclid*bad value*${t.toString(36)}|gclid*Cj0KCQiA_nt*`),
    ).toEqual({ anonymousId: null, clickIds: [{ kind: 'gclid', value: 'Cj0KCQiA_ok', firstSeen: 1295 }] });
    expect(parseIdsCookie(undefined)).toEqual({ anonymousId: null, clickIds: [] });
    expect(parseIdsCookie('')).toEqual({ anonymousId: null, clickIds: [] });
    // A browser id (fbp) is not a click ID: the cookie never holds one, and it is not taken.
    expect(parseIdsCookie(`abcdefgh12|fbp*fb.1.1.2*${t.toString(36)}`).clickIds).toEqual([]);
  });
});
