// The file-size rule as a test: every source file (collector/, shared/, tag/, scripts/, bench/;
// not tests, not generated) over 300 lines states why at its top ("Over 300 lines: …").
// `node scripts/file-size.mjs` prints the same list.
import { describe, expect, it } from 'vitest';
// @ts-ignore: a plain .mjs script without type declarations (checked or not, depending on the tsconfig)
import { leadingComment, longFiles, statesReason } from '../../scripts/file-size.mjs';

describe('the file-size checker', () => {
  it('reads the reason from the leading comment only', () => {
    const long = (head: string) => `${head}\nimport { x } from './x';\n${'x();\n'.repeat(400)}`;
    expect(statesReason(long('// One store. (Over 300 lines: one state machine.)'))).toBe(true);
    expect(statesReason(long('/**\n * The pages. (Just over 300 lines: one form.)\n */'))).toBe(true);
    expect(statesReason(long('#!/usr/bin/env node\n// The bench.\n// (over 300 lines: one journey.)'))).toBe(true);
    expect(statesReason(long('// One store.'))).toBe(false);
    // a marker further down, after the code has begun, is not a reason at the top
    expect(statesReason(`// One store.\nconst a = 1;\n// Over 300 lines: no.\n`)).toBe(false);
    expect(leadingComment('// a\n\n/* b\n c */\ncode();\n// d')).toBe('// a\n\n/* b\nc */');
  });
});

describe('collector/, shared/, tag/, scripts/ and bench/', () => {
  type Long = { file: string; lines: number; reason: boolean };
  const long: Long[] = longFiles();

  it('has no source file over 300 lines without a reason stated at its top', () => {
    const missing = long.filter((f) => !f.reason).map((f) => `${f.file} (${f.lines} lines)`);
    expect(missing).toEqual([]);
  });
});
