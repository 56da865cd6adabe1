import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The local-only keys, read from the committed .dev.vars.example: one source for start, tests and CI. */
export function devVars(): Record<string, string> {
  const file = fileURLToPath(new URL('../../.dev.vars.example', import.meta.url));
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}
