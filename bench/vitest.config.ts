import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { DEV_VARS } from '../test/support/collector';

// Benchmarks print figures; they are not part of `npm test`. Run one with
//   npx vitest run --config bench/vitest.config.ts --project bench-node bench/populate.node.bench.ts
//   npx vitest run --config bench/vitest.config.ts --project bench-workers
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'bench-node',
          environment: 'node',
          include: ['bench/**/*.node.bench.ts'],
          testTimeout: 3_600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: DEV_VARS } })],
        test: { name: 'bench-workers', include: ['bench/**/*.workers.ts'], testTimeout: 3_600_000 },
      },
    ],
  },
});
