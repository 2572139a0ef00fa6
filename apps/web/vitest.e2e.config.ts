import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

// The web client's end-to-end tests: real Chromium against the real server and database (`pnpm test:e2e`).
export default defineConfig({
  root: repositoryRoot,
  test: {
    include: ['apps/web/e2e/**/*.e2e.test.ts'],
    globalSetup: ['./test/global-setup.ts', './apps/web/e2e/build.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
