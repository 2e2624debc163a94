import pg from 'pg';
import type { BotConfig } from '../config/index.ts';

/**
 * The instance's one connection pool, built from config. Every query of the bot (sessions, users,
 * turns, slots, the scheduler's tables) goes through it, so `database.poolMax` is the whole budget
 * this instance takes from the server's `max_connections`.
 *
 * Rules that keep it working behind a transaction pooler (PgBouncer, Neon's pooled endpoint):
 * - never named prepared statements (`{ name: ... }` in `query`): PgBouncer 1.18 (Debian bookworm)
 *   cannot route them, and a later query would find the statement missing on another server connection;
 * - no session state (`SET`, `LISTEN`, session advisory locks): use `SET LOCAL` / xact locks inside a transaction.
 *
 * @example
 * const pool = createPool(config);
 * const { rows } = await pool.query('SELECT 1 AS one');
 * await pool.end();
 */
export function createPool(config: BotConfig): pg.Pool {
  const { database } = config;
  return new pg.Pool({
    connectionString: database.url,
    max: database.poolMax,
    // pg's default 0 waits forever for a free connection: a saturated pool would hang every
    // update instead of failing fast into a fallback reply.
    connectionTimeoutMillis: database.connectionTimeoutMs,
    idleTimeoutMillis: database.idleTimeoutMs,
    // Sent as startup parameters, so each server connection is tagged without a SET round trip.
    // pg_stat_activity then shows which instance holds which connection. Behind PgBouncer,
    // statement_timeout must be listed in its ignore_startup_parameters.
    application_name: config.instanceId,
    ...(database.statementTimeoutMs > 0 ? { statement_timeout: database.statementTimeoutMs } : {}),
  });
}
