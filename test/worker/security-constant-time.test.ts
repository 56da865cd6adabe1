/// <reference types="vite/client" />
// Key, token and signature comparisons are constant-time: the function is tested, and the
// collector's source is scanned so that no `===` / `!==` compares a secret value directly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, secretEquals } from '../../collector/security/constant-time';

describe('collector/security/constant-time.ts', () => {
  it('secretEquals is equality, whatever the lengths and wherever two strings differ', async () => {
    expect(await secretEquals('sk_dev_local', 'sk_dev_local')).toBe(true);
    expect(await secretEquals('', '')).toBe(true);
    expect(await secretEquals('sk_dev_locaX', 'sk_dev_local')).toBe(false);
    expect(await secretEquals('Xk_dev_local', 'sk_dev_local')).toBe(false);
    expect(await secretEquals('sk_dev_local ', 'sk_dev_local')).toBe(false);
    expect(await secretEquals('', 'sk_dev_local')).toBe(false);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), async (a, b) => {
        expect(await secretEquals(a, b)).toBe(a === b);
        expect(await secretEquals(a, a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('bytesEqual is equality over bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(bytesEqual(a, b)).toBe(a.length === b.length && a.every((x, i) => x === b[i]));
        expect(bytesEqual(a, Uint8Array.from(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('bytesEqual reads every byte: its loop has no early exit', async () => {
    const src = SOURCES['../../collector/security/constant-time.ts']!;
    const body = src.slice(src.indexOf('export function bytesEqual'));
    expect(body).toMatch(/diff \|= a\[i\] \^ b\[i\]/);
    const loop = body.slice(body.indexOf('for ('), body.indexOf('return diff'));
    expect(loop).not.toMatch(/return|break/);
  });
});

// Every collector source file, as text (Vite inlines them at build time; workerd has no file system).
const SOURCES = import.meta.glob<string>(
  ['../../collector/**/*.ts', '../../collector/**/*.tsx', '!../../collector/**/*.test.ts'],
  { query: '?raw', import: 'default', eager: true },
);

// Names that hold a secret value (or one derived from it that must not be compared by ===).
const SECRET_OPERAND =
  /\b(SECRET_KEY|PUBLISHABLE_KEY|IDENTITY_SECRET|IDENTIFY_SIGNING_SECRET|SEGMENT_WEBHOOK_SECRET|ENCRYPTION_KEY|signature|sig|mac|expected|csrf|csrfToken|given|apiKey|accessToken|refreshToken|clientSecret|developerToken|password|secret)\b/;
// Reviewed comparisons that involve such a name but no secret value.
const REVIEWED: RegExp[] = [
  // comparing a SHA-256 of the key: timing reveals nothing about the key (collector/keys.ts)
  /r\.hash === hash/,
  // a rotated refresh token differs from the stored one: both are ours, nothing is being authenticated
  /body\.refresh_token !== grant\.refreshToken/,
  // an attribute signature (which attributes an evaluation saw), not a credential
  /this\.attributes\(\)\.signature === signature/,
];

/** `file:line: code` of every === / !== that names a secret and is not reviewed. */
function offendersIn(sources: Record<string, string>): string[] {
  const offenders: string[] = [];
  for (const [file, text] of Object.entries(sources)) {
    text.split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      for (const m of code.matchAll(/([\w$.!?\[\]()']+)\s*[!=]==?\s*([\w$.!?\[\]()']+)/g)) {
        const [, left, right] = m as unknown as [string, string, string];
        const literal = (raw: string) => {
          const s = raw.replace(/[()]+$/, '');
          return /^['"`]|^(null|undefined|true|false|\d+)$/.test(s) || s.startsWith('typeof');
        };
        if (literal(left) || literal(right)) continue;
        if (!SECRET_OPERAND.test(left) && !SECRET_OPERAND.test(right)) continue;
        if (/\.length\b/.test(left) && /\.length\b/.test(right)) continue;
        if (REVIEWED.some((r) => r.test(code))) continue;
        offenders.push(`${file.replace('../../', '')}:${i + 1}: ${code.trim()}`);
      }
    });
  }
  return offenders;
}

describe('no secret compared with === or !==', () => {
  it('the scan sees the collector (so it cannot pass on nothing)', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    expect(Object.keys(SOURCES)).toContain('../../collector/keys.ts');
  });

  it('every comparison naming a secret goes through constant-time.ts', () => {
    expect(offendersIn(SOURCES)).toEqual([]);
  });

  it('the scan would catch a direct comparison', () => {
    const planted = {
      'x.ts':
        "if (given === env.SECRET_KEY) ok();\nif (sig !== expected) no();\nif (c.req.header('x') == env.SEGMENT_WEBHOOK_SECRET) ok();\nif (k.type === 'secret') fine();",
    };
    expect(offendersIn(planted)).toHaveLength(3);
  });
});
