// Runs a TypeScript benchmark: `node bench/run.mjs delivery` bundles bench/delivery.ts with esbuild
// (Node target, dependencies left external) into dist/bench and executes it.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2];
if (!name) {
  console.error('usage: node bench/run.mjs <bench name, e.g. delivery>');
  process.exit(2);
}
// Inside the repo (dist/ is ignored) so bare imports resolve from node_modules.
const outfile = join('dist', 'bench', `${name}.mjs`);
await build({
  entryPoints: [`bench/${name}.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
await import(pathToFileURL(join(process.cwd(), outfile)).href);
