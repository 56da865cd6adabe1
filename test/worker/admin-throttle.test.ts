import { describe, expect, it } from 'vitest';
import { recordFailure, SIGN_IN_POLICY, waitMs, type ThrottleState } from '../../collector/admin/sign-in-throttle';

describe('sign-in throttle', () => {
  it('allows a few failures, then locks out for longer each time, up to the cap', () => {
    let s: ThrottleState | null = null;
    const t0 = 1_000_000;
    for (let i = 1; i < SIGN_IN_POLICY.maxFailures; i++) {
      s = recordFailure(s, t0 + i);
      expect(waitMs(s, t0 + i)).toBe(0);
    }
    s = recordFailure(s, t0 + 10);
    expect(waitMs(s, t0 + 10)).toBe(SIGN_IN_POLICY.lockoutMs);
    s = recordFailure(s, t0 + 20);
    expect(waitMs(s, t0 + 20)).toBe(2 * SIGN_IN_POLICY.lockoutMs);
    for (let i = 0; i < 20; i++) s = recordFailure(s, t0 + 30 + i);
    expect(waitMs(s, t0 + 49)).toBe(SIGN_IN_POLICY.maxLockoutMs);
  });

  it('forgets failures once the window and any lockout have passed', () => {
    let s: ThrottleState | null = null;
    for (let i = 0; i < SIGN_IN_POLICY.maxFailures - 1; i++) s = recordFailure(s, i);
    const later = SIGN_IN_POLICY.windowMs + 10;
    s = recordFailure(s, later);
    expect(s.failures).toBe(1);
    expect(waitMs(s, later)).toBe(0);
  });

  it('keeps counting while locked out', () => {
    let s: ThrottleState | null = null;
    for (let i = 0; i < SIGN_IN_POLICY.maxFailures + 8; i++) s = recordFailure(s, i * 60_000);
    expect(waitMs(s, (SIGN_IN_POLICY.maxFailures + 7) * 60_000)).toBeGreaterThan(0);
  });
});
