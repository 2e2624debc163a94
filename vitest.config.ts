import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bot,cli,common,fakes,loadgen,reports,scenarios}/**/*.test.ts'],
    // Real servers (Postgres, fakes, bot processes) start in tests: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
