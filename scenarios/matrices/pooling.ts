import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * Pool size, PgBouncer or a managed pooler? Five instances on a server with max_connections=100 (a small
 * managed plan), browsing users and the 10:00 digest burst: the production plan (pool 50 each, direct), a pool
 * that fits (20 each), and pool 50 through PgBouncer in transaction mode (its default pool of 20 server
 * connections) with the two Postgres-based scheduler strategies, to see which still work through it.
 *
 * What fills the connections is what fills them in production: the digest job queue keeps each claim's
 * transaction open while the digest is generated and sent (`scheduler.claimMode: 'transaction'`, the classic
 * SKIP LOCKED queue), so at 10:00 every instance holds `sendConcurrency` (20) connections for the seconds
 * of each Claude call, on top of its users' queries. With claims committed at once (`'lease'`) the same
 * load never needed more than ~50 server connections: users' queries are short and the bots are busy
 * elsewhere (webhook slots, Claude), so no pool size mattered. Behind PgBouncer in transaction mode the same
 * open transactions each pin one of its 20 server connections, so the pooler turns 53300 into waiting.
 *
 * Sizes (issue 11, fidelity first): default 100 browsing users for 90 simulated seconds through the burst
 * at 1x, five 5-instance variants; quick: the same 100 users and 90 s at 10x, the production plan only (CI's
 * check of the machinery). Quick once ran 150 users for 60 s at 20x, a window that ended at 10:00, so it caught
 * only the burst's first instants: 8 and 14 connection errors in two runs here, 0 on a CI machine (which failed
 * the check). With the burst inside the window it saw 480 and 786 (2026-12-06, still distorted at 10x, which
 * quick accepts: it checks that 53300 is reached and counted, not how often).
 *
 * Why 1x and not `auto`: at 10:00 the variants saturate a pool (max_connections, or PgBouncer's 20 server
 * connections pinned by open claims), and a user's query waits behind the transactions ahead of it. The
 * fidelity estimate counts each update's own real time, scaled; a queued update also waits out the scaled real
 * time of every transaction ahead, which it does not count. Measured (`node bin/botcap.js run` of the
 * PgBouncer skip-locked variant, seed 1, 2-core AMD EPYC, nothing else running, 2026-12-05, commit 92f003c):
 * p95 reply 2.1 s at 1x and 9.2 s at 3x, both read fidelity ok (12 and 63 ms), while lost updates (29, 28)
 * and unsent digests (895, 888) agreed. At 1x the system's real time reads as itself, so only the lab's own
 * delay is added (12 ms here).
 */
const SIZES: Record<MatrixSize, { durationMs: number; vus: number; timeScale: number | 'auto' }> = {
  default: { durationMs: 90_000, vus: 100, timeScale: 1 },
  quick: { durationMs: 90_000, vus: 100, timeScale: 10 },
};

/** How the production plan's job queue holds its claims: open transactions across the LLM call (see above). */
const CLAIM_MODE = 'transaction' as const;

/** PgBouncer's own default_pool_size (capacity-methods spec). */
const PGBOUNCER_POOL_SIZE = 20;

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-pooling',
    description: 'pooling matrix: 5 instances, max_connections=100, browsing users and the 10:00 digest burst',
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
      // Users browse (each update reads and writes its session in Postgres) but ask no questions: with
      // questions the webhook slots filled with handlers waiting for Claude behind the burst and ~90% of
      // updates were lost in every variant, pooled or not, so "lost" said nothing about connections. Here a
      // lost update is one the database failed. The first run also used 500 users at 2 s think time: at 10x
      // that is ~1,700 updates per real second, more than the 2-core machine's bots can take.
      mix: { navigation: 0.8, question: 0, settings: 0.2, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '10s', p95: '30s' },
    },
    replies: { deadline: '30s' },
    environment: { maxConnections: 100 },
    bot: {
      transport: 'webhook',
      instances: 5,
      config: { database: { poolMax: 50 }, scheduler: { strategy: 'skip-locked', claimMode: CLAIM_MODE } },
    },
    fakes: { claude: { latency: 'realistic', tier: 'unlimited' } },
  };
}

function direct(poolMax: number, quick: boolean): MatrixVariant {
  return { label: `5 x ${poolMax} direct`, patch: { bot: { config: { database: { poolMax } } } }, quick };
}

function bounced(
  strategy: 'skip-locked' | 'advisory-lock',
  claimMode: 'transaction' | 'lease' = CLAIM_MODE,
): MatrixVariant {
  return {
    label: `5 x 50 via PgBouncer (transaction), ${strategy}${claimMode === CLAIM_MODE ? '' : `, ${claimMode} claims`}`,
    patch: {
      bot: { config: { database: { poolMax: 50 }, scheduler: { strategy, claimMode } } },
      environment: { pgbouncer: { poolSize: PGBOUNCER_POOL_SIZE } },
    },
    quick: false,
  };
}

export const pooling: MatrixDefinition = {
  name: 'pooling',
  question: 'Pool size, PgBouncer or a managed pooler?',
  base,
  budgetRealS: { default: 520, quick: 22 },
  variants: [
    direct(50, true),
    direct(20, false),
    bounced('skip-locked'),
    bounced('advisory-lock'),
    // The fix a pooler needs: claims committed at once (a lease), so no transaction pins a server connection
    // across the Claude call and PgBouncer can share its 20 among all five pools.
    bounced('skip-locked', 'lease'),
  ],
};
