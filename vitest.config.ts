import { defineConfig } from 'vitest/config';

/** The folders that hold tests, for this config and vitest.e2e.config.ts. */
export const TEST_ROOTS =
  '{bench,bot,cli,common,contracts,environment,fakes,loadgen,model,orchestration,reports,scenarios}';

export default defineConfig({
  test: {
    include: [`${TEST_ROOTS}/**/*.test.ts`],
    // The measuring end-to-end runs go alone, after the rest: vitest.e2e.config.ts.
    exclude: ['**/node_modules/**', '**/*.e2e.test.ts'],
    // Real servers (Postgres, fakes, bot processes) start in tests: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
