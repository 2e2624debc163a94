import type pg from 'pg';
import type pino from 'pino';
import type { LeaderLock } from './coordinator.ts';

/**
 * Leader election with a PostgreSQL *session* advisory lock (`pg_try_advisory_lock`). The lock belongs to the
 * server connection that took it, so the leader checks one client out of the pool and holds it for as long as
 * it leads; when that connection dies (server restart, `pg_terminate_backend`, network), the server releases
 * the lock, the client's 'error' event aborts this instance's leadership, and on a later tick some instance
 * (maybe this one, with a new connection) takes it.
 *
 * It BREAKS behind a transaction-mode pooler (PgBouncer `pool_mode = transaction`, Neon's pooled endpoint):
 * each statement may run on a different server connection, so the lock is taken on one backend and "checked"
 * or released on another - two instances can both believe they lead, or a lock is never released. Point this
 * strategy at a direct (session) connection, or use skip-locked, which works through any pooler.
 * It also costs one connection per instance that leads, permanently, out of the max_connections budget.
 */

/** The lock id: any constant 64-bit key shared by all instances of this bot ('botcsc' in ASCII). */
export const SCHEDULER_LOCK_KEY = 0x626f_7463_7363n;

/**
 * @example
 * const lock = createAdvisoryLock(pool, logger);
 * const leadership = await lock.acquire(); // AbortSignal while leading, undefined otherwise
 */
export function createAdvisoryLock(pool: pg.Pool, logger: pino.Logger): LeaderLock {
  let held: { client: pg.PoolClient; controller: AbortController; onError: (error: Error) => void } | undefined;
  /** Set by kill(): like a crashed process, this instance never leads again. */
  let killed = false;

  function lose(reason: Error | undefined, destroy: boolean): void {
    const current = held;
    if (!current) return;
    held = undefined;
    current.controller.abort(reason ?? new Error('leadership released'));
    // A client that errored must not go back to the pool; `release(error)` closes it. It keeps its error
    // listener: the server's FATAL for a terminated backend can arrive after we gave up on the connection.
    if (!destroy) current.client.off('error', current.onError);
    current.client.release(destroy ? (reason ?? true) : undefined);
    if (reason) logger.warn({ err: reason.message }, 'lost the advisory-lock leadership');
  }

  return {
    async acquire() {
      if (killed) return undefined;
      if (held) {
        try {
          await held.client.query('SELECT 1');
          return held.controller.signal;
        } catch (error) {
          lose(error instanceof Error ? error : new Error(String(error)), true);
        }
      }
      const client = await pool.connect();
      // A checked-out client that errors with no listener would crash the process.
      const onError = (error: Error) => {
        if (held?.client === client) lose(error, true);
      };
      client.on('error', onError);
      let locked = false;
      try {
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
          SCHEDULER_LOCK_KEY.toString(),
        ]);
        locked = rows[0]?.locked === true;
      } catch (error) {
        client.off('error', onError);
        client.release(true);
        throw error;
      }
      if (!locked) {
        client.off('error', onError);
        client.release();
        return undefined;
      }
      if (killed) {
        // Killed while this acquire was in flight: a crashed process's connection closes and its lock with it,
        // so close this one rather than hold a lock no tick will ever use or release.
        client.off('error', onError);
        client.release(true);
        return undefined;
      }
      held = { client, controller: new AbortController(), onError };
      logger.info('took the advisory-lock leadership');
      return held.controller.signal;
    },
    async release() {
      if (!held) return;
      try {
        await held.client.query('SELECT pg_advisory_unlock($1)', [SCHEDULER_LOCK_KEY.toString()]);
        lose(undefined, false);
      } catch (error) {
        lose(error instanceof Error ? error : new Error(String(error)), true);
      }
    },
    async kill() {
      killed = true;
      lose(new Error('killed'), true);
    },
  };
}
