import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pino from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { LeaderLock } from './coordinator.ts';

/**
 * Leader lease in Redis: `SET key token NX PX lease`, renewed every lease/3 with a compare-and-extend script and
 * released with compare-and-delete (a leader never extends or deletes a lease it no longer owns).
 *
 * This is for EFFICIENCY, not correctness (Kleppmann, "How to do distributed locking", 2016): a leader paused
 * longer than its lease (GC, a stalled VM, a slow Claude call) keeps acting after another instance took over,
 * and Redis offers no fencing token the database would check. The lease's validity is therefore also tracked
 * locally (taken before SET, minus a drift margin) and its expiry aborts the leadership signal, so a paused
 * leader at least stops before sending more - but two leaders for a moment remain possible. Where a duplicate
 * digest matters, the guard must be in the database (see skip-locked's UNIQUE(user_id, send_date)).
 */

const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Share of the lease treated as valid locally: the rest absorbs clock drift and the SET's round trip. */
const VALIDITY_FACTOR = 0.8;

export interface RedisLockOptions {
  redisUrl: string;
  key: string;
  /** Lease length, simulated ms (Redis counts real ms: divided by the clock's scale). */
  leaseMs: number;
  clock: Clock;
  instanceId: string;
  logger: pino.Logger;
}

/**
 * @example
 * const lock = createRedisLock({ redisUrl: 'redis://127.0.0.1:6379', key: 'botcap:leader', leaseMs: 30_000, clock, instanceId, logger });
 */
export function createRedisLock(options: RedisLockOptions): LeaderLock {
  const { clock, logger, key } = options;
  // ioredis is imported with the first acquire, not with this module: only this strategy needs it, and every
  // module an instance loads stays in its heap (issue 3's memory budget per instance).
  let created: Promise<Redis> | undefined;
  async function connected(): Promise<Redis> {
    created ??= import('ioredis').then(({ Redis }) => {
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      redis.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
      return redis;
    });
    const redis = await created;
    if (redis.status === 'wait') await redis.connect();
    return redis;
  }
  const leaseRealMs = () => Math.max(1, Math.round(clock.toRealMs(options.leaseMs)));
  let held: { token: string; controller: AbortController; validUntilMs: number; renewal: AbortController } | undefined;

  function lose(reason: string): void {
    const current = held;
    if (!current) return;
    held = undefined;
    current.renewal.abort();
    current.controller.abort(new Error(reason));
    logger.warn({ reason }, 'lost the redis-lock leadership');
  }

  /** Renews every lease/3 and aborts the leadership when a renewal fails or the local validity runs out. */
  async function renewLoop(current: NonNullable<typeof held>): Promise<void> {
    const intervalMs = options.leaseMs / 3;
    while (held === current) {
      try {
        await clock.sleepMs(
          Math.min(intervalMs, Math.max(0, current.validUntilMs - clock.monotonicMs())),
          current.renewal.signal,
        );
      } catch {
        return; // released or killed
      }
      if (held !== current) return;
      if (clock.monotonicMs() >= current.validUntilMs) {
        lose('lease validity ran out before a renewal');
        return;
      }
      const startedMs = clock.monotonicMs();
      try {
        const extended = await (await connected()).eval(EXTEND, 1, key, current.token, String(leaseRealMs()));
        if (extended !== 1) {
          lose('lease expired and was taken by another instance');
          return;
        }
        current.validUntilMs = startedMs + options.leaseMs * VALIDITY_FACTOR;
      } catch (error) {
        lose(`renewal failed: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
  }

  return {
    async acquire() {
      if (held && clock.monotonicMs() < held.validUntilMs) return held.controller.signal;
      if (held) lose('lease validity ran out');
      const redis = await connected();
      const token = `${options.instanceId}:${randomUUID()}`;
      const startedMs = clock.monotonicMs();
      const ok = await redis.set(key, token, 'PX', leaseRealMs(), 'NX');
      if (ok !== 'OK') return undefined;
      held = {
        token,
        controller: new AbortController(),
        validUntilMs: startedMs + options.leaseMs * VALIDITY_FACTOR,
        renewal: new AbortController(),
      };
      logger.info('took the redis-lock leadership');
      void renewLoop(held);
      return held.controller.signal;
    },
    async release() {
      const current = held;
      if (current) {
        held = undefined;
        current.renewal.abort();
        current.controller.abort(new Error('leadership released'));
        await (await created)?.eval(RELEASE, 1, key, current.token).catch(() => undefined);
      }
      (await created)?.disconnect();
    },
    async kill() {
      const current = held;
      held = undefined;
      current?.renewal.abort();
      current?.controller.abort(new Error('killed'));
      (await created)?.disconnect(); // the lease stays in Redis until it expires, as after a crash
    },
  };
}
