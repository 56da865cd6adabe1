// What the browser's first synchronous storage access costs, without the tag: in a fresh Chromium
// context per load (as bench/tag-cost.mjs), a page times, 300 ms after it loaded, its first and second
// localStorage.getItem, a setItem, its first and second document.cookie read, a cookie write and a
// read after it. `node bench/tag-storage.mjs [loads, default 20]`; prints median, p90 and max (ms).
// Every storage access of the tag is a step of its own (tag/later.ts); this is the floor of the one
// that comes first.
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
const N = +process.argv[2] || 20;
const page = `<!doctype html><script>
function t(f){var a=performance.now();f();return performance.now()-a}
window.__r=new Promise(function(res){setTimeout(function(){var r={};
r.lsFirst=t(function(){localStorage.getItem('x')});
r.lsSecond=t(function(){localStorage.getItem('y')});
r.lsSet=t(function(){localStorage.setItem('y','1')});
r.ckFirst=t(function(){document.cookie});
r.ckSecond=t(function(){document.cookie});
r.ckSet=t(function(){document.cookie='a=1;path=/'});
r.ckAfterSet=t(function(){document.cookie});
res(r)},300)});</script><p>x</p>`;
const server = createServer((q, s) => {
  s.writeHead(200, { 'content-type': 'text/html' });
  s.end(page);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const b = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
const rows = [];
for (let i = 0; i < N; i++) {
  const c = await b.newContext();
  const p = await c.newPage();
  await p.goto(url);
  rows.push(await p.evaluate(() => window.__r));
  await c.close();
}
const version = b.version();
await b.close();
server.close();
console.log(`Chromium ${version}, ${N} fresh contexts (ms):`);
for (const k of Object.keys(rows[0])) {
  const v = rows.map((r) => r[k]).sort((a, b) => a - b);
  console.log(
    k.padEnd(12),
    'median',
    v[v.length >> 1].toFixed(2),
    'p90',
    v[Math.floor(v.length * 0.9)].toFixed(2),
    'max',
    v.at(-1).toFixed(2),
  );
}
