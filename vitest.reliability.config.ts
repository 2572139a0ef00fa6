import { defineConfig } from 'vitest/config';

// The long tests: database faults, shutdown through `pnpm start`, fuzzing and load. `pnpm test:reliability`.
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.reliability.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
