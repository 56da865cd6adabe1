import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  DAY_MS,
  DEFAULT_RETRY_POLICY,
  HOUR_MS,
  nextUtcDay,
  retryPolicy,
  type RetryInput,
} from './retry-policy';
import type { FailureClass } from './types';

const NOW = Date.UTC(2026, 10, 20, 15, 30, 0);
const input = (cls: FailureClass, over: Partial<RetryInput> = {}): RetryInput => ({
  failure: { class: cls, error: { code: 'X', message: 'x' } },
  attempts: 1,
  now: NOW,
  deadline: null,
  refreshed: false,
  random: 0.5,
  ...over,
});

describe('retryPolicy', () => {
  it('backs off exponentially with jitter inside [d/2, d)', () => {
    const delays = [1, 2, 3, 4].map((a) => backoffMs(a, 0.5));
    expect(delays).toEqual([22_500, 45_000, 90_000, 180_000]);
    expect(backoffMs(3, 0)).toBe(60_000);
    expect(backoffMs(3, 0.999)).toBeLessThan(120_000);
    expect(backoffMs(40, 0.999)).toBeLessThan(DEFAULT_RETRY_POLICY.maxDelayMs);
  });

  it('retries 429, 5xx and timeouts with backoff', () => {
    for (const cls of ['rate_limited', 'transient', 'timeout'] as const) {
      const d = retryPolicy(input(cls, { attempts: 2 }));
      expect(d).toEqual({ action: 'retry', at: NOW + 45_000 });
    }
  });

  it('honours Retry-After when it is longer than the backoff, never shorter', () => {
    expect(
      retryPolicy(
        input('rate_limited', {
          failure: { class: 'rate_limited', error: { code: '429', message: '' }, retryAfterMs: 600_000 },
        }),
      ),
    ).toEqual({ action: 'retry', at: NOW + 600_000 });
    expect(
      retryPolicy(
        input('rate_limited', {
          failure: { class: 'rate_limited', error: { code: '429', message: '' }, retryAfterMs: 1000 },
        }),
      ),
    ).toEqual({ action: 'retry', at: NOW + 22_500 });
  });

  it('refreshes the token once on 401, then fails', () => {
    expect(retryPolicy(input('unauthorized'))).toEqual({ action: 'refresh_token' });
    expect(retryPolicy(input('unauthorized', { refreshed: true }))).toMatchObject({ action: 'fail' });
  });

  it("retries Google's too-recent click no sooner than 6 hours later", () => {
    for (const random of [0, 0.5, 0.99]) {
      const d = retryPolicy(input('too_recent', { random }));
      expect(d.action).toBe('retry');
      if (d.action === 'retry') {
        expect(d.at).toBeGreaterThanOrEqual(NOW + 6 * HOUR_MS);
        expect(d.at).toBeLessThan(NOW + 6.5 * HOUR_MS);
      }
    }
  });

  it('waits for the next UTC day on a daily quota', () => {
    expect(nextUtcDay(NOW)).toBe(Date.UTC(2026, 10, 21));
    expect(nextUtcDay(Date.UTC(2026, 10, 21))).toBe(Date.UTC(2026, 10, 22));
    const d = retryPolicy(input('daily_quota', { random: 0 }));
    expect(d).toEqual({ action: 'retry', at: Date.UTC(2026, 10, 21) });
  });

  it('fails permanent errors with the platform error at once', () => {
    expect(
      retryPolicy(
        input('permanent', { failure: { class: 'permanent', error: { code: 'UNPARSEABLE_GCLID', message: 'bad' } } }),
      ),
    ).toEqual({ action: 'fail', reason: 'UNPARSEABLE_GCLID: bad' });
  });

  it('splits a rejected batch without spending an attempt', () => {
    expect(retryPolicy(input('batch_rejected', { attempts: 99 }))).toEqual({ action: 'split' });
  });

  it('never schedules past the platform age limit', () => {
    const deadline = NOW + 2 * HOUR_MS;
    expect(retryPolicy(input('transient', { deadline }))).toMatchObject({ action: 'retry' });
    expect(retryPolicy(input('too_recent', { deadline }))).toMatchObject({
      action: 'fail',
      reason: expect.stringContaining('age limit'),
    });
    expect(retryPolicy(input('daily_quota', { deadline: NOW + DAY_MS / 4 }))).toMatchObject({ action: 'fail' });
    // The margin: a retry landing 5 minutes before the limit is already too late.
    expect(retryPolicy(input('rate_limited', { deadline: NOW + 22_500 + 5 * 60_000 }))).toMatchObject({
      action: 'fail',
    });
  });

  it('dead-letters after the last attempt', () => {
    expect(retryPolicy(input('transient', { attempts: 7 }))).toMatchObject({ action: 'retry' });
    expect(retryPolicy(input('transient', { attempts: 8 }))).toMatchObject({
      action: 'dead_letter',
      reason: expect.stringContaining('8 attempts'),
    });
    expect(retryPolicy(input('transient', { attempts: 3 }), { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 })).toMatchObject(
      { action: 'dead_letter' },
    );
  });
});
