import type pg from 'pg';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../../common/clock.ts';
import { ConfigError } from '../../common/errors.ts';
import type { BotConfig } from '../config/schema.ts';
import type { Assistant } from '../llm/assistant.ts';
import { createAdvisoryLock } from './advisory-lock.ts';
import {
  type Coordinator,
  type CoordinatorDeps,
  createLeaderCoordinator,
  createScanCoordinator,
  type LeaderLock,
} from './coordinator.ts';
import { schedulerMetrics } from './metrics.ts';
import { createQueuedLeaderCoordinator, createQueueWorkerCoordinator } from './queue.ts';
import { createRedisLock } from './redis-lock.ts';
import type { SendDigest } from './send-with-telegram.ts';
import { createDigestSender } from './sender.ts';
import { createSkipLockedCoordinator } from './skip-locked.ts';

export interface SchedulerDeps {
  config: BotConfig;
  clock: Clock;
  logger: pino.Logger;
  registry: Registry;
  pool: pg.Pool;
  assistant: Assistant;
  /**
   * Sends one digest text to a chat; throwing means "not delivered", a `RecipientBlockedError` that the user
   * blocked the bot. The app passes `sendDigestWithTelegram(bot.api)`; tests pass a recorder.
   */
  sendDigest: SendDigest;
}

/** The daily digest scheduler of one bot instance. */
export interface Scheduler {
  /** Starts ticking every `scheduler.tickMs` of simulated time (no timer for `cron-http` or when disabled). */
  start(): Promise<void>;
  /** Stops ticking, waits for the running tick, and releases leadership so another instance takes over. */
  stop(): Promise<void>;
  /**
   * Stops at once without releasing anything - locks, leases and claims stay until they expire, as after a
   * crash. For failure drills and tests.
   */
  kill(): Promise<void>;
  /**
   * Runs one tick now and resolves when it is done. `cron-http`: the core's HTTP server calls this on
   * `POST config.scheduler.cronPath` (one external trigger, e.g. a platform cron, hits one instance).
   * Other strategies accept it too and run one coordinated tick. Concurrent calls run one after another.
   */
  handleTick(): Promise<{ sent: number }>;
}

/**
 * @example
 * const scheduler = createScheduler({ config, clock, logger, registry, pool, assistant, sendDigest });
 * await scheduler.start();
 * // ... on shutdown
 * await scheduler.stop();
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { config, clock } = deps;
  const settings = config.scheduler;
  const strategy = settings.strategy;
  const logger = deps.logger.child({ component: 'scheduler', strategy });
  const metrics = schedulerMetrics(deps.registry);
  const send = createDigestSender({
    pool: deps.pool,
    clock,
    logger,
    metrics,
    assistant: deps.assistant,
    sendDigest: deps.sendDigest,
    instanceId: config.instanceId,
    strategy,
    concurrency: settings.sendConcurrency,
  });
  const coordinatorDeps: CoordinatorDeps = {
    pool: deps.pool,
    clock,
    logger,
    metrics,
    send,
    config: settings,
    instanceId: config.instanceId,
  };
  const coordinator = createCoordinator(coordinatorDeps, config, clock, logger);

  const lifetime = new AbortController();
  let loop: Promise<void> | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  async function runTick(): Promise<number> {
    try {
      // Batch pre-generation rides on the tick; it coordinates through its own table, so any instance may run it.
      await deps.assistant.pregenerateDigests().catch((error: unknown) => {
        logger.warn({ err: error }, 'digest pre-generation failed');
      });
      return await coordinator.tick();
    } catch (error) {
      metrics.tickErrors.inc({ strategy });
      metrics.recordDbError(error);
      logger.warn({ err: error }, 'scheduler tick failed');
      return 0;
    }
  }

  /** Serializes ticks: a slow tick delays the next instead of overlapping it. */
  function queueTick(): Promise<number> {
    const next = chain.then(runTick);
    chain = next.catch(() => undefined);
    return next;
  }

  async function tickLoop(): Promise<void> {
    const signal = lifetime.signal;
    while (!signal.aborted) {
      // Ticks fall on multiples of tickMs of simulated time, like a cron: instances tick at the same moments,
      // which is what makes the uncoordinated `none` strategy's race visible.
      const nowMs = clock.nowMs();
      const nextMs = Math.ceil((nowMs + 1) / settings.tickMs) * settings.tickMs;
      try {
        await clock.sleepMs(nextMs - nowMs, signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      await queueTick();
    }
  }

  return {
    async start() {
      if (!settings.enabled) {
        logger.info('scheduler disabled in this instance');
        return;
      }
      if (strategy === 'cron-http') {
        logger.info({ path: settings.cronPath }, 'cron-http: no timer; ticks arrive on the HTTP endpoint');
        return;
      }
      if (strategy === 'advisory-lock') {
        logger.warn('advisory-lock needs a session connection: behind a transaction-mode pooler it does not hold');
      }
      loop ??= tickLoop();
    },
    async stop() {
      lifetime.abort();
      await loop;
      await chain;
      await coordinator.stop();
    },
    async kill() {
      lifetime.abort();
      await coordinator.kill();
    },
    async handleTick() {
      return { sent: await queueTick() };
    },
  };
}

function createCoordinator(deps: CoordinatorDeps, config: BotConfig, clock: Clock, logger: pino.Logger): Coordinator {
  const { strategy, role, sendBy } = config.scheduler;
  if (role === 'worker' && strategy !== 'queue-worker') {
    throw new ConfigError(
      `scheduler.role worker is only for scheduler.strategy queue-worker (got ${strategy}): drop the role or set the strategy`,
    );
  }
  // Who decides is the strategy; who sends is sendBy: the leader alone, or every instance through the job queue.
  const leader = (lock: LeaderLock) =>
    sendBy === 'all-instances' ? createQueuedLeaderCoordinator(deps, lock) : createLeaderCoordinator(deps, lock);
  switch (strategy) {
    // Lab only: `none` lets every instance scan and send, which duplicates digests as soon as there are two.
    // It exists to measure that; a production bot picks skip-locked (or any strategy, with one instance).
    case 'none':
    case 'cron-http':
      return createScanCoordinator(deps);
    case 'skip-locked':
      return createSkipLockedCoordinator(deps);
    case 'queue-worker':
      return createQueueWorkerCoordinator(deps);
    case 'advisory-lock':
      return leader(createAdvisoryLock(deps.pool, logger));
    case 'redis-lock': {
      const redisUrl = config.scheduler.redisUrl;
      if (!redisUrl) {
        throw new ConfigError(
          'scheduler.redisUrl is required for scheduler.strategy redis-lock: set REDIS_URL (e.g. redis://127.0.0.1:6379) or pick another strategy',
        );
      }
      return leader(
        createRedisLock({
          redisUrl,
          key: config.scheduler.redisKey,
          leaseMs: config.scheduler.leaseMs,
          clock,
          instanceId: config.instanceId,
          logger,
        }),
      );
    }
  }
}
