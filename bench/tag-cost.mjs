// Main-thread cost of the tag on page load in Chromium, with its sizes:
// `npm run build && node bench/tag-cost.mjs [loads per scenario, default 25]`.
// Scenarios: a new visitor on an ad landing page (?gclid=...&fbclid=...: tag.js notes the URL in
// memory and loads its sender when idle, which in idle steps captures the click IDs, reads and writes
// the ledger, writes a touch ahead, writes the cookie backup, harvests cookies, mints _fbp, opens
// IndexedDB and sends); a returning
// visitor's next page (same profile, no click ID); the same landing page without the tag. Each load is a fresh browser context.
// Printed per scenario (medians): tag.js's synchronous evaluation; the tag's largest single task
// and the sum of its tasks (evaluations of tag.js and tag-send.js, and every timer / idle callback
// the tag scheduled, each timed from start to end); the main-thread task time over the page without
// the tag (CDP TaskDuration, 1.5 s after load); and long tasks: all of them (> 50 ms, any cause), and
// those the tag's own scripts made long (Long Animation Frames whose tag script time is > 50 ms).
// The tag's timers and idle callbacks are wrapped by this page's probe, so LoAF attributes them to
// the page, not the tag: they are in "tag tasks over 50 ms" instead, each shown with the slowest
// single storage call (localStorage, document.cookie, all timed) of its page.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const LOADS = Math.max(20, Number(process.argv[2] ?? 25));
const tag = readFileSync('dist/tag.js', 'utf8');
const send = readFileSync('dist/tag-send.js', 'utf8');
const snippet = readFileSync('dist/snippet.js', 'utf8');

// Before anything else on the page: counters, and timers / idle callbacks scheduled from the tag's
// scripts (told by the scheduling call's stack) wrapped so each run is timed.
const probe = `<script>window.__tag=[];window.__longTasks=0;window.__tagLong=0;window.__tagLongWhy=[];
new PerformanceObserver(function(l){window.__longTasks+=l.getEntries().length}).observe({type:'longtask',buffered:true});
try{new PerformanceObserver(function(l){l.getEntries().forEach(function(f){var ms=0;(f.scripts||[]).forEach(function(s){if(/\\/v1\\/tag/.test(s.sourceURL))ms+=s.duration});if(ms>50){window.__tagLong++;window.__tagLongWhy.push((f.scripts||[]).filter(function(s){return /\\/v1\\/tag/.test(s.sourceURL)}).map(function(s){return s.invokerType+' '+(s.invoker||'').replace(location.origin,'').replace(/\\?.*/,'').slice(0,40)+' '+s.sourceURL.replace(/.*\\/v1\\//,'').replace(/\\?.*/,'')+' '+Math.round(s.duration)+' ms'}).join(', '))}})}).observe({type:'long-animation-frame',buffered:true})}catch(e){}
window.__storeMax=0;['getItem','setItem','removeItem'].forEach(function(m){var o=Storage.prototype[m];Storage.prototype[m]=function(){var t=performance.now();try{return o.apply(this,arguments)}finally{window.__storeMax=Math.max(window.__storeMax,performance.now()-t)}}});
(function(){var d=Object.getOwnPropertyDescriptor(Document.prototype,'cookie');function timed(f){return function(){var t=performance.now();try{return f.apply(this,arguments)}finally{window.__storeMax=Math.max(window.__storeMax,performance.now()-t)}}}
Object.defineProperty(Document.prototype,'cookie',{configurable:true,get:timed(d.get),set:timed(d.set)})})();
['setTimeout','requestIdleCallback'].forEach(function(name){var orig=window[name];if(!orig)return;window[name]=function(fn){var args=[].slice.call(arguments);
if(typeof fn=='function'&&/\\/v1\\/tag/.test(new Error().stack)){args[0]=function(){var t=performance.now();try{return fn.apply(this,arguments)}finally{window.__tag.push(performance.now()-t)}}}
return orig.apply(window,args)}});</script>`;

// As installed: the built snippet (its queue, `page()`, tag.js loaded async, in its own task).
const page = (withTag) => `<!doctype html><html><head><meta charset="utf-8"><title>landing</title>${probe}
${withTag ? `<script>${snippet.replace('__CB_KEY__', 'pk_bench').replace('__CB_HOST__', origin)}</script>` : ''}</head>
<body><h1>Landing page</h1><p>${'Some copy. '.repeat(200)}</p></body></html>`;
// Each script's evaluation timed between two performance.now() marks (document.currentScript is kept).
const timed = (code, key) =>
  `window.__t0=performance.now();${code}\nwindow.__tag.push(window.${key}=performance.now()-window.__t0);`;

const server = createServer((req, res) => {
  if (req.url.startsWith('/v1/tag.js') || req.url.startsWith('/v1/tag-send.js')) {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(req.url.startsWith('/v1/tag.js') ? timed(tag, '__evalMs') : timed(send, '__sendEvalMs'));
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

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});

async function measure(path, { returning = false } = {}) {
  const context = await browser.newContext({ bypassCSP: true });
  // A returning visitor: the tag already ran once in this profile (ledger, cookies, IndexedDB exist).
  if (returning)
    await (
      await context.newPage()
    )
      .goto(origin + path, { waitUntil: 'load' })
      .then(() => new Promise((r) => setTimeout(r, 2500)));
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Performance.enable');
  let sent = false;
  p.on('request', (r) => r.url().includes('/v1/collect') && (sent = true));
  await p.goto(origin + path, { waitUntil: 'load' });
  await p.waitForTimeout(1500);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const inPage = await p.evaluate(() => ({
    evalMs: window.__evalMs,
    sendEvalMs: window.__sendEvalMs,
    tasks: window.__tag,
    longTasks: window.__longTasks,
    tagLong: window.__tagLong,
    tagLongWhy: window.__tagLongWhy,
    storeMax: window.__storeMax,
  }));
  await context.close();
  const tasks = inPage.tasks;
  return {
    taskMs: m.TaskDuration * 1000,
    ...inPage,
    maxTaskMs: tasks.length ? Math.max(...tasks) : 0,
    tagMs: tasks.reduce((a, b) => a + b, 0),
    sent,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const QUERY = '?gclid=Cj0KCQiA_bench-gclid-Value_123&fbclid=IwAR_bench_fbclid';
await measure('/' + QUERY); // warm-up: Chromium's own first-run work
const landing = [];
const returning = [];
const bare = [];
for (let i = 0; i < LOADS; i++) {
  landing.push(await measure('/' + QUERY));
  returning.push(await measure('/pricing', { returning: true }));
  bare.push(await measure('/bare' + QUERY));
}
const version = browser.version();
await browser.close();
server.close();

const gzip = (s) => gzipSync(s, { level: 9 }).length;
const brotli = (s) => brotliCompressSync(s, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log('sizes (bytes)      minified  gzip -9  brotli 11');
for (const [name, s] of [
  ['tag.js', tag],
  ['tag-send.js', send],
  ['snippet', snippet],
]) {
  console.log(
    `  ${name.padEnd(16)} ${String(s.length).padStart(8)} ${String(gzip(s)).padStart(8)} ${String(brotli(s)).padStart(10)}`,
  );
}
console.log(`Chromium ${version}, ${LOADS} loads per scenario, medians (ms):           landing  returning`);
const row = (name, f) =>
  console.log(`  ${name.padEnd(62)} ${f(landing).toFixed(2).padStart(7)} ${f(returning).toFixed(2).padStart(10)}`);
row('evaluate tag.js (synchronous on load)', (rs) => median(rs.map((r) => r.evalMs)));
row('evaluate tag-send.js (when idle)', (rs) => median(rs.map((r) => r.sendEvalMs)));
row("the tag's largest single task", (rs) => median(rs.map((r) => r.maxTaskMs)));
row("the tag's tasks, summed", (rs) => median(rs.map((r) => r.tagMs)));
row('main-thread task time of the page', (rs) => median(rs.map((r) => r.taskMs)));
row(
  'main-thread task time over the same page without the tag',
  (rs) => median(rs.map((r) => r.taskMs)) - median(bare.map((r) => r.taskMs)),
);
const sum = (rs, k) => rs.reduce((n, r) => n + r[k], 0);
console.log(
  `  long tasks (> 50 ms, any cause) in ${LOADS} loads: ${sum(landing, 'longTasks')} landing, ${sum(returning, 'longTasks')} returning, ${sum(bare, 'longTasks')} without the tag`,
);
console.log(
  `  long tasks made long by the tag's scripts (> 50 ms of tag script in a long animation frame): ${sum(landing, 'tagLong')} landing, ${sum(returning, 'tagLong')} returning`,
);
const most = (rs) => Math.max(...rs.map((r) => r.maxTaskMs)).toFixed(1);
console.log(`  the tag's largest single task over all loads: ${most(landing)} landing, ${most(returning)} returning`);
console.log(
  `  the slowest single localStorage / document.cookie call over all loads: ${Math.max(...landing.map((r) => r.storeMax)).toFixed(1)} landing, ${Math.max(...returning.map((r) => r.storeMax)).toFixed(1)} returning`,
);
for (const [name, rs] of [
  ['landing', landing],
  ['returning', returning],
])
  for (const r of rs.filter((r) => r.maxTaskMs > 50))
    console.log(
      `    ${name}: a tag task of ${r.maxTaskMs.toFixed(1)} ms (evaluating tag.js ${r.evalMs?.toFixed(1)} ms); its slowest storage call ${r.storeMax.toFixed(1)} ms`,
    );
console.log(
  `  tag tasks over 50 ms: ${landing.concat(returning).filter((r) => r.maxTaskMs > 50).length} of ${2 * LOADS} loads; touch sent on ${landing.filter((r) => r.sent).length}/${LOADS} landing loads`,
);
for (const [name, rs] of [
  ['landing', landing],
  ['returning', returning],
])
  for (const why of rs.flatMap((r) => r.tagLongWhy)) console.log(`    ${name}: a frame made long by ${why}`);
