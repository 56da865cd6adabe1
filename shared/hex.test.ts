import { describe, expect, it } from 'vitest';
import { jobId, randomHex, toHex } from './hex';

describe('hex', () => {
  it('writes each byte as two lowercase digits, leading zeros kept', () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe('00010f10abff');
    expect(toHex(new Uint8Array([0xde, 0xad]).buffer)).toBe('dead');
    expect(toHex(new Uint8Array())).toBe('');
  });

  it('matches a known SHA-256 digest', async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'));
    expect(toHex(digest)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('makes random ids of the asked length that differ', () => {
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(randomHex(8)).not.toBe(randomHex(8));
    expect(jobId()).toMatch(/^job_[0-9a-f]{24}$/);
  });
});
