import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const dir = process.argv[2] || '.';
const common = { bundle: true, minify: true, target: ['es2020'], platform: 'browser', write: false, legalComments: 'none', logLevel: 'error', metafile: true, absWorkingDir: process.cwd() };
let mangleCache = {};
const r1 = await build({ ...common, entryPoints: [dir + '/tag/send.ts'], format: 'iife', mangleProps: /_$/, mangleCache });
mangleCache = r1.mangleCache;
const r2 = await build({ ...common, entryPoints: [dir + '/tag/main.ts'], format: 'iife', define: { SEND_VERSION: '"0123456789abcdef"' }, mangleProps: /_$/, mangleCache });
for (const [name, r] of [['tag.js', r2], ['tag-send.js', r1]]) {
  const out = Object.values(r.metafile.outputs)[0];
  console.log(name, 'min', r.outputFiles[0].text.length, 'gzip', gzipSync(r.outputFiles[0].text, { level: 9 }).length);
  if (process.argv[3]) for (const [f, v] of Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) console.log('  ', f.padEnd(30), v.bytesInOutput);
}
if (process.argv[4]) console.log(r2.outputFiles[0].text);
