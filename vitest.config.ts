import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'src-renderer/**/*.test.ts', 'relay/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests use real SQLite files and real servers; two cores share them.
    pool: 'forks',
    maxWorkers: 2,
  },
});
