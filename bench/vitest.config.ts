import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { DEV_VARS } from '../test/support/collector';

// Benchmarks print figures; they are not part of `npm test`. The directory scan runs inside workerd:
//   npx vitest run --config bench/vitest.config.ts --project bench-workers
// (populate and the ingest benches are plain Node scripts: node bench/run.mjs populate, node bench/ingest-*.mjs)
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: DEV_VARS } })],
        test: { name: 'bench-workers', include: ['bench/**/*.workers.ts'], testTimeout: 3_600_000 },
      },
    ],
  },
});
