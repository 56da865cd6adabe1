// The journey benchmark (bench/match-coverage.ts): bundled with esbuild and run, as bench/run.mjs does.
//   MATCH_JOURNEYS=32 MATCH_CONCURRENCY=3 node bench/match-coverage.mjs
process.argv[2] = 'match-coverage';
await import('./run.mjs');
