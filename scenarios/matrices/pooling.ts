import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * Pool size, PgBouncer or a managed pooler? Five instances on a server with max_connections=100 (a small
 * managed plan), busy users and the 10:00 digest burst: the production plan (pool 50 each, direct), a pool
 * that fits (20 each), and pool 50 through PgBouncer in transaction mode (its default pool of 20 server
 * connections) with the two Postgres-based scheduler strategies, to see which still work through it.
 *
 * Budget (real s, 2 cores): default 2 min simulated at 10x = 12 s of load, four 5-instance variants ~ 124 s;
 * quick: 5 x 50 direct only, 1 min at 20x ~ 22 s.
 */
const SIZES: Record<MatrixSize, { durationMs: number; vus: number; timeScale: number }> = {
  default: { durationMs: 2 * 60_000, vus: 500, timeScale: 10 },
  quick: { durationMs: 60_000, vus: 300, timeScale: 20 },
};

/** PgBouncer's own default_pool_size (capacity-methods spec). */
const PGBOUNCER_POOL_SIZE = 20;

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-pooling',
    description: 'pooling matrix: 5 instances, max_connections=100, busy users and the 10:00 digest burst',
    seed: 1,
    timeScale: s.timeScale,
    start: '09:59',
    load: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: s.durationMs / 4, target: s.vus },
        { duration: (s.durationMs * 3) / 4, target: s.vus },
      ],
    },
    population: {
      size: 10_000,
      onboarded: true,
      digestTimes: { peak: '10:00', peakShare: 0.1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    },
    behaviour: {
      mix: { navigation: 0.6, question: 0.2, settings: 0.2, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '2s', p95: '8s' },
    },
    replies: { deadline: '30s' },
    environment: { maxConnections: 100 },
    bot: { transport: 'webhook', instances: 5, config: { database: { poolMax: 50 } } },
    fakes: { claude: { latency: 'realistic', tier: 'unlimited' } },
  };
}

function direct(poolMax: number, quick: boolean): MatrixVariant {
  return { label: `5 x ${poolMax} direct`, patch: { bot: { config: { database: { poolMax } } } }, quick };
}

function bounced(strategy: 'skip-locked' | 'advisory-lock'): MatrixVariant {
  return {
    label: `5 x 50 via PgBouncer (transaction), ${strategy}`,
    patch: {
      bot: { config: { database: { poolMax: 50 }, scheduler: { strategy } } },
      environment: { pgbouncer: { poolSize: PGBOUNCER_POOL_SIZE } },
    },
    quick: false,
  };
}

export const pooling: MatrixDefinition = {
  name: 'pooling',
  question: 'Pool size, PgBouncer or a managed pooler?',
  base,
  budgetRealS: { default: 125, quick: 22 },
  variants: [direct(50, true), direct(20, false), bounced('skip-locked'), bounced('advisory-lock')],
};
