import { defineConfig } from 'vitest/config';
import { TEST_ROOTS } from './vitest.config.ts';

/**
 * End-to-end runs that measure (`*.e2e.test.ts`): `npm test` runs them after the rest of the suite, one file
 * at a time, so no other test's CPU shows up as simulated latency in their time-scaled runs.
 */
export default defineConfig({
  test: {
    include: [`${TEST_ROOTS}/**/*.e2e.test.ts`],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
