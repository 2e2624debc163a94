import { RedisAdapter } from '@grammyjs/storage-redis';
import { MemorySessionStorage, type StorageAdapter } from 'grammy';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { ConfigError } from '../../common/errors.ts';
import type { BotConfig } from '../config/index.ts';
import { PostgresSessionStorage } from '../db/session-storage.ts';

/** Where an instance keeps conversation state, and how to let go of it at stop. */
export interface SessionStore<T> {
  readonly storage: StorageAdapter<T>;
  /** Closes what the store opened (the Redis connection); the pool belongs to the app. */
  close(): Promise<void>;
}

/**
 * The session storage `session.storage` names:
 * - `postgres` (default): the `sessions` table over the instance's pool; every instance sees every chat's state.
 * - `memory`: grammY's MemorySessionStorage, aiogram's MemoryStorage default: state lives in this process only,
 *   so with several instances behind a balancer without chat affinity a flow started on one instance is
 *   unknown to the next (and everything is lost on restart). Kept to measure that, not to run with >1 instance.
 * - `redis`: @grammyjs/storage-redis over one ioredis connection per instance (`scheduler.redisUrl`, env REDIS_URL),
 *   keys under `session.redisKeyPrefix`.
 *
 * @example
 * const sessions = createSessionStore<SessionData>(config, pool);
 * bot.use(session({ initial, storage: sessions.storage })); ... await sessions.close();
 */
export function createSessionStore<T>(config: BotConfig, pool: pg.Pool): SessionStore<T> {
  switch (config.session.storage) {
    case 'memory':
      return { storage: new MemorySessionStorage<T>(), close: async () => undefined };
    case 'redis': {
      const url = config.scheduler.redisUrl;
      if (url === undefined) {
        throw new ConfigError('session.storage is redis but no Redis URL is set; set REDIS_URL (scheduler.redisUrl)');
      }
      const redis = new Redis(url, { keyPrefix: config.session.redisKeyPrefix, lazyConnect: false });
      // A Redis that goes away must fail the update that needs it, not crash the process.
      redis.on('error', () => undefined);
      return {
        storage: new RedisAdapter<T>({ instance: redis }),
        close: async () => {
          await redis.quit().catch(() => redis.disconnect());
        },
      };
    }
    default:
      return { storage: new PostgresSessionStorage<T>(pool), close: async () => undefined };
  }
}
