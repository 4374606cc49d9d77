import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // ORT sessions are CPU-heavy; two cores are shared by the whole suite.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
