import type pg from 'pg';
import type pino from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/schema.ts';
import { nowWholeMs } from './day.ts';
import { findDueDigests } from './due.ts';
import type { SchedulerMetrics } from './metrics.ts';
import type { DigestSender } from './sender.ts';

/**
 * How one scheduling strategy decides, on each tick, what this instance sends. The scheduler owns the timer;
 * a coordinator owns the agreement between instances.
 */
export interface Coordinator {
  /** One tick; resolves to the number of digests this instance sent. */
  tick(): Promise<number>;
  /** Graceful stop: give up leadership / claims so another instance takes over at once. */
  stop(): Promise<void>;
  /** A crash, for failure drills: drop connections without releasing anything. */
  kill(): Promise<void>;
}

export interface CoordinatorDeps {
  pool: pg.Pool;
  clock: Clock;
  logger: pino.Logger;
  metrics: SchedulerMetrics;
  send: DigestSender;
  config: BotConfig['scheduler'];
  instanceId: string;
}

/** Most due digests one tick looks at; the rest are found on the next tick. */
export const MAX_DUE_PER_TICK = 5_000;

/**
 * Scan due users, send each (check-then-send). With one caller at a time this is correct; with several
 * uncoordinated callers it sends duplicates - the `none` strategy on purpose, and the leader strategies only
 * while they hold the leadership (`signal`).
 *
 * @example
 * const sent = await scanAndSend(deps, leadershipSignal);
 */
export async function scanAndSend(deps: CoordinatorDeps, signal?: AbortSignal): Promise<number> {
  const due = await findDueDigests(deps.pool, nowWholeMs(deps.clock), MAX_DUE_PER_TICK);
  const results = await Promise.all(due.map((digest) => deps.send(digest, { signal })));
  return results.filter((r) => r === 'sent').length;
}

/**
 * `none` and `cron-http`: every call scans and sends. For `none` every instance ticks (duplicates: lab only,
 * kept to measure them); for `cron-http` only the external trigger calls, once per tick, on one instance.
 */
export function createScanCoordinator(deps: CoordinatorDeps): Coordinator {
  const strategy = deps.config.strategy;
  return {
    async tick() {
      deps.metrics.ticks.inc({ strategy, role: 'worker' });
      return scanAndSend(deps);
    },
    stop: async () => {},
    kill: async () => {},
  };
}

/** A leadership that a leader strategy holds for a while: the signal aborts the moment it is lost. */
export interface LeaderLock {
  /** Keeps or tries to take the leadership; the signal while leader, undefined when another instance leads. */
  acquire(): Promise<AbortSignal | undefined>;
  release(): Promise<void>;
  /** Drops the connection without releasing (a crash). */
  kill(): Promise<void>;
}

/**
 * advisory-lock and redis-lock: only the holder of the lock scans and sends. A new leader waits
 * `scheduler.takeoverGraceMs` before its first scan: the previous leader may still be finishing digests it had
 * already generated when it lost the lock (sent, but not yet recorded in digest_deliveries), and scanning at once
 * would find those users still due and send them again.
 */
export function createLeaderCoordinator(deps: CoordinatorDeps, lock: LeaderLock): Coordinator {
  const strategy = deps.config.strategy;
  let current: { signal: AbortSignal; sinceMs: number } | undefined;
  return {
    async tick() {
      const leadership = await lock.acquire();
      deps.metrics.leader.set({ strategy }, leadership ? 1 : 0);
      if (!leadership) {
        current = undefined;
        deps.metrics.ticks.inc({ strategy, role: 'follower' });
        return 0;
      }
      if (current?.signal !== leadership) current = { signal: leadership, sinceMs: deps.clock.monotonicMs() };
      if (deps.clock.monotonicMs() - current.sinceMs < deps.config.takeoverGraceMs) {
        deps.metrics.ticks.inc({ strategy, role: 'leader-grace' });
        return 0;
      }
      deps.metrics.ticks.inc({ strategy, role: 'leader' });
      return scanAndSend(deps, leadership);
    },
    async stop() {
      await lock.release();
      deps.metrics.leader.set({ strategy }, 0);
    },
    async kill() {
      await lock.kill();
      deps.metrics.leader.set({ strategy }, 0);
    },
  };
}
