import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only adds contention (each PGlite worker is CPU-bound).
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
