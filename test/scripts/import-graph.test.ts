// The collector's structure as a test: no import cycles (type-only imports included), no upward
// arrows (below routes/ never imports routes/ or admin/, shared/ never imports collector/), and
// one module alone reaching the Durable Objects. `node scripts/import-graph.mjs` prints the same.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../support/scratch';
// @ts-ignore: a plain .mjs script without type declarations (checked or not, depending on the tsconfig)
import { buildGraph, filesReachingObjects, findCycles, importsOf, upwardImports } from '../../scripts/import-graph.mjs';

type Edge = { to: string; typeOnly: boolean };
const graphOf = (edges: Record<string, string[]>) =>
  new Map<string, Edge[]>(
    Object.entries(edges).map(([from, tos]) => [from, tos.map((to) => ({ to, typeOnly: false }))]),
  );

describe('the import-graph checker', () => {
  it('finds a cycle and names a way round it', () => {
    const cycles = findCycles(
      graphOf({
        'collector/a.ts': ['collector/b.ts'],
        'collector/b.ts': ['collector/c.ts'],
        'collector/c.ts': ['collector/a.ts'],
        'collector/d.ts': ['collector/a.ts'],
      }),
    );
    expect(cycles).toHaveLength(1);
    expect(cycles[0].files).toEqual(['collector/a.ts', 'collector/b.ts', 'collector/c.ts']);
    expect(cycles[0].cycle).toEqual(['collector/a.ts', 'collector/b.ts', 'collector/c.ts', 'collector/a.ts']);
    expect(findCycles(graphOf({ 'collector/a.ts': ['collector/b.ts'], 'collector/b.ts': [] }))).toEqual([]);
  });

  it('finds upward imports: below routes/ into routes/ or admin/, admin/ into routes/, shared/ into collector/', () => {
    const up = upwardImports(
      graphOf({
        'collector/objects/x.ts': ['collector/routes/y.ts', 'collector/admin/z.ts', 'shared/s.ts'],
        'collector/admin/z.ts': ['collector/routes/y.ts', 'collector/objects/x.ts'],
        'collector/routes/y.ts': ['collector/admin/z.ts', 'collector/objects/x.ts'],
        'shared/s.ts': ['collector/objects/x.ts'],
      }),
    );
    expect(up).toEqual([
      { from: 'collector/objects/x.ts', to: 'collector/routes/y.ts' },
      { from: 'collector/objects/x.ts', to: 'collector/admin/z.ts' },
      { from: 'collector/admin/z.ts', to: 'collector/routes/y.ts' },
      { from: 'shared/s.ts', to: 'collector/objects/x.ts' },
    ]);
  });

  it('reads type-only imports, re-exports and dynamic imports, and ignores packages and comments', () => {
    const dir = scratchDir('import-graph-');
    for (const name of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, `${name}.ts`), '');
    const text = [
      "import type { A } from './a';",
      "export { B } from './b';",
      "const c = await import('./c');",
      "import { Hono } from 'hono';",
      "// import { D } from './d';",
    ].join('\n');
    const found = importsOf(join(dir, 'main.ts'), text).map((e: Edge) => ({ ...e, to: e.to.split('/').pop() }));
    expect(found).toEqual([
      { to: 'a.ts', typeOnly: true },
      { to: 'b.ts', typeOnly: false },
      { to: 'c.ts', typeOnly: false },
    ]);
  });
});

describe('collector/ and shared/', () => {
  const graph = buildGraph();

  it('has no import cycle', () => {
    const cycles = findCycles(graph);
    expect(cycles.map((c: { cycle: string[] }) => c.cycle.join(' → '))).toEqual([]);
  });

  it('has no upward import', () => {
    expect(upwardImports(graph).map((u: { from: string; to: string }) => `${u.from} → ${u.to}`)).toEqual([]);
  });

  it('reaches each Durable Object through collector/objects/doors.ts alone', () => {
    expect(filesReachingObjects()).toEqual(['collector/objects/doors.ts']);
  });
});
