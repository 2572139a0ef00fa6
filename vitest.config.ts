import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,packages}/*/src/**/*.test.{ts,tsx}', 'examples/**/*.test.ts'],
    // The long ones run apart: `pnpm test:reliability`.
    exclude: ['**/node_modules/**', '**/*.reliability.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
