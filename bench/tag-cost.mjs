// Main-thread cost of tag.js on page load in Chromium, with its sizes: `npm run build && node bench/tag-cost.mjs [loads]`.
// Each load is a fresh browser context (empty storage and cache) on an ad landing page
// (?gclid=...&fbclid=...), so the tag captures, writes its ledger, opens IndexedDB and sends a touch;
// and a returning visitor's next page (the same profile, no click ID).
// Printed per scenario: the synchronous cost of evaluating tag.js (its run as an async script, between
// two performance.now() marks), the extra main-thread task time over the same page
// without the tag (CDP Performance.getMetrics TaskDuration, 1.5 s after load), and long tasks.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const LOADS = Number(process.argv[2] ?? 25);
const tag = readFileSync('dist/tag.js', 'utf8');
const snippet = readFileSync('dist/snippet.js', 'utf8');

// As installed: the snippet's queue, then tag.js loaded async in its own task. The served tag.js is
// wrapped in two performance.now() marks to time its evaluation.
const page = (withTag) => `<!doctype html><html><head><meta charset="utf-8"><title>landing</title>
<script>window.__longTasks=0;new PerformanceObserver(function(l){window.__longTasks+=l.getEntries().length}).observe({type:'longtask',buffered:true});
window.clearbit=[['load','pk_bench',location.origin],['page']];</script>
${withTag ? '<script async src="/v1/tag.js"></script>' : ''}</head>
<body><h1>Landing page</h1><p>${'Some copy. '.repeat(200)}</p></body></html>`;
const timedTag = `window.__t0=performance.now();${tag}\nwindow.__evalMs=performance.now()-window.__t0;`;

const server = createServer((req, res) => {
  if (req.url.startsWith('/v1/tag.js')) {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(timedTag);
  }
  if (req.url.startsWith('/v1/collect')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"accepted":1,"duplicates":0,"rejected":[]}');
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(!req.url.startsWith('/bare')));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });

async function measure(path, { returning = false } = {}) {
  const context = await browser.newContext({ bypassCSP: true });
  // A returning visitor: the tag already ran once in this profile (ledger, cookies, IndexedDB exist).
  if (returning) await (await context.newPage()).goto(origin + path, { waitUntil: 'load' }).then(() => new Promise((r) => setTimeout(r, 300)));
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Performance.enable');
  let sent = false;
  p.on('request', (r) => r.url().includes('/v1/collect') && (sent = true));
  await p.goto(origin + path, { waitUntil: 'load' });
  await p.waitForTimeout(1500);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const inPage = await p.evaluate(() => ({ evalMs: window.__evalMs, longTasks: window.__longTasks }));
  await context.close();
  return { taskMs: m.TaskDuration * 1000, scriptMs: m.ScriptDuration * 1000, sent, ...inPage };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const QUERY = '?gclid=Cj0KCQiA_bench-gclid-Value_123&fbclid=IwAR_bench_fbclid';
await measure('/' + QUERY); // warm-up: Chromium's own first-run work
const withTag = [];
const returning = [];
const bare = [];
for (let i = 0; i < LOADS; i++) {
  withTag.push(await measure('/' + QUERY));
  returning.push(await measure('/pricing', { returning: true }));
  bare.push(await measure('/bare' + QUERY));
}
await browser.close();
server.close();

const gzip = (s) => gzipSync(s, { level: 9 }).length;
const brotli = (s) => brotliCompressSync(s, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`tag.js: ${tag.length} B minified, ${gzip(tag)} B gzip -9, ${brotli(tag)} B brotli 11; snippet: ${snippet.length} B minified, ${gzip(snippet)} B gzip`);
console.log(`Chromium ${browser.version()}, ${LOADS} loads per scenario, medians (ms):`);
const rows = [
  ['evaluate tag.js, new visitor on an ad landing page', median(withTag.map((r) => r.evalMs))],
  ['evaluate tag.js, returning visitor, no click ID', median(returning.map((r) => r.evalMs))],
  ['main-thread task time, page with tag', median(withTag.map((r) => r.taskMs))],
  ['main-thread task time, same page without tag', median(bare.map((r) => r.taskMs))],
  ['script time, page with tag', median(withTag.map((r) => r.scriptMs))],
  ['script time, same page without tag', median(bare.map((r) => r.scriptMs))],
];
for (const [name, v] of rows) console.log(`  ${name.padEnd(56)} ${v.toFixed(2).padStart(8)}`);
console.log(`  ${'extra main-thread task time from the tag (difference)'.padEnd(56)} ${(rows[2][1] - rows[3][1]).toFixed(2).padStart(8)}`);
const long = (xs) => xs.reduce((n, r) => n + r.longTasks, 0);
console.log(`  long tasks (> 50 ms) in ${LOADS} loads: ${long(withTag)} with the tag, ${long(returning)} returning, ${long(bare)} without the tag; touch sent on ${withTag.filter((r) => r.sent).length}/${LOADS} landing loads`);
