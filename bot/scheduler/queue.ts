import type { Coordinator, CoordinatorDeps, LeaderLock } from './coordinator.ts';
import { nowWholeMs } from './day.ts';
import { createJobConsumer, materializeJobs } from './skip-locked.ts';

/**
 * Strategies that separate who decides from who sends, through one queue: the decider puts the digests due now
 * into `digest_jobs` (one row per user and day, `UNIQUE(user_id, send_date)`), and every bot instance claims jobs
 * with `FOR UPDATE SKIP LOCKED` and sends them (skip-locked's consumer, lease and all).
 *
 * - `queue-worker`: the architect's "one scheduler worker": a dedicated process (`scheduler.role: 'worker'`,
 *   not a bot instance: no Telegram intake) plans; the instances only consume.
 * - advisory-lock and redis-lock with `scheduler.sendBy: 'all-instances'`: the leader plans, everyone consumes.
 *
 * Why a queue table and not Redis pub/sub, which is what "Redis pub/sub + one scheduler worker" names: pub/sub
 * delivers a message only to the subscribers listening at that moment. An instance restarting, or all of them busy
 * reconnecting, loses the digests published meanwhile - nobody is told, the users just get nothing. A queue (a Redis
 * list or stream, or a Postgres table) keeps a job until a consumer takes it. Between those the Postgres table
 * wins here: deliveries are already recorded in the same database, the UNIQUE constraint makes planning twice
 * harmless (a restarted worker, two leaders for a moment), and a consumer that dies mid-job leaves a claim that
 * expires (`claimLeaseMs`) instead of a message to re-deliver by hand (a Redis stream needs XAUTOCLAIM for that).
 *
 * What the worker's death costs: jobs already planned are still sent by the instances; digests that fall due
 * after the death are not planned until a worker runs again. A restarted worker catches up at its first tick,
 * because planning is "due today and not queued yet", not "due this minute": late, not lost - unless nobody
 * restarts it. The scheduler matrix kills the worker mid-burst and counts what that costs.
 */

/**
 * queue-worker: the worker process plans every tick and sends nothing; a bot instance consumes every tick and
 * plans nothing (with no worker running, instances send nothing - the single point of failure, on purpose).
 *
 * @example
 * const coordinator = createQueueWorkerCoordinator(deps); // deps.config.role says which side this process is
 */
export function createQueueWorkerCoordinator(deps: CoordinatorDeps): Coordinator {
  const strategy = deps.config.strategy;
  if (deps.config.role === 'worker') {
    return {
      async tick() {
        deps.metrics.ticks.inc({ strategy, role: 'planner' });
        await materializeJobs(deps.pool, nowWholeMs(deps.clock));
        return 0;
      },
      stop: async () => {},
      kill: async () => {},
    };
  }
  const consumer = createJobConsumer(deps);
  return {
    async tick() {
      deps.metrics.ticks.inc({ strategy, role: 'consumer' });
      return consumer.consume();
    },
    stop: async () => consumer.stop(),
    kill: async () => consumer.stop(),
  };
}

/**
 * advisory-lock / redis-lock with `sendBy: 'all-instances'`: only the lock holder plans, every instance (the
 * leader too) consumes. The leader claims first (it plans and claims in the same tick, while the others' claims at
 * that tick found the queue empty); the others take their share at their next tick, while it is still sending -
 * with `claimBatch` well below a burst, the burst is spread. No takeover grace is needed before planning, unlike the leader that sends: a job is one
 * row per user and day, so a new leader planning what the old one already queued changes nothing.
 *
 * @example
 * createQueuedLeaderCoordinator(deps, createAdvisoryLock(pool, logger));
 */
export function createQueuedLeaderCoordinator(deps: CoordinatorDeps, lock: LeaderLock): Coordinator {
  const strategy = deps.config.strategy;
  const consumer = createJobConsumer(deps);
  return {
    async tick() {
      const leadership = await lock.acquire();
      deps.metrics.leader.set({ strategy }, leadership ? 1 : 0);
      deps.metrics.ticks.inc({ strategy, role: leadership ? 'leader' : 'follower' });
      if (leadership) await materializeJobs(deps.pool, nowWholeMs(deps.clock));
      return consumer.consume();
    },
    async stop() {
      consumer.stop();
      await lock.release();
      deps.metrics.leader.set({ strategy }, 0);
    },
    async kill() {
      consumer.stop();
      await lock.kill();
      deps.metrics.leader.set({ strategy }, 0);
    },
  };
}
