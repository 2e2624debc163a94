import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from 'cockatiel';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/index.ts';
import { realTimeoutMs } from '../config/real-time.ts';
import { classifyDbError } from './errors.ts';

export const POOL_DEFAULTS = {
  /**
   * Retries of a connection the server turned away (restarting, refusing, full) or of a statement it aborted
   * (57P01 terminated), after the first attempt. With the backoff below they span ~1.5-3 s: a fast restart or
   * failover is absorbed, a longer outage ends in the fallback reply instead of keeping the user waiting.
   */
  retries: 4,
  /** Reruns of a statement the server aborted; each rerun gets its own connection retries, so this stays small. */
  statementRetries: 2,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 1_500,
} as const;

/**
 * The instance's one connection pool, built from config. Every query of the bot (sessions, users,
 * turns, slots, the scheduler's tables) goes through it, so `database.poolMax` is the whole budget
 * this instance takes from the server's `max_connections`.
 *
 * It survives its server: every connection has an 'error' listener (a connection held with
 * `pool.connect()` whose server goes away would otherwise crash the process), and a connection the server
 * turned away or a statement it aborted is retried with backoff ({@link ResilientPool}).
 *
 * Rules that keep it working behind a transaction pooler (PgBouncer, Neon's pooled endpoint):
 * - never named prepared statements (`{ name: ... }` in `query`): PgBouncer 1.18 (Debian bookworm)
 *   cannot route them, and a later query would find the statement missing on another server connection;
 * - no session state (`SET`, `LISTEN`, session advisory locks): use `SET LOCAL` / xact locks inside a transaction.
 *
 * @example
 * const pool = createPool(config, logger, clock);
 * const { rows } = await pool.query('SELECT 1 AS one');
 * await pool.end();
 */
export function createPool(config: BotConfig, logger: Logger, clock: Pick<Clock, 'toRealMs'>): pg.Pool {
  const { database } = config;
  return new ResilientPool(
    {
      connectionString: database.url,
      max: database.poolMax,
      // pg's default 0 waits forever: a saturated pool would hang every update instead of failing fast into a
      // fallback reply. This is the bound on opening a new connection, real work (a TCP and auth round trip to
      // PostgreSQL), so real ms: at a time scale above 1 the lab's delay in it is measured, not the bot's
      // patience. The wait for a connection another update holds is the pool's patience: simulated, below.
      connectionTimeoutMillis: database.connectionTimeoutMs,
      // Real ms: an idle connection decides no answer; simulated, the lab would close and reopen connections
      // (real work again) timeScale times as often as production per real second.
      idleTimeoutMillis: database.idleTimeoutMs,
      // Sent as startup parameters, so each server connection is tagged without a SET round trip.
      // pg_stat_activity then shows which instance holds which connection. Behind PgBouncer,
      // statement_timeout must be listed in its ignore_startup_parameters.
      application_name: config.instanceId,
      ...(database.statementTimeoutMs > 0
        ? { statement_timeout: realTimeoutMs(database.statementTimeoutMs, clock) }
        : {}),
    },
    logger.child({ component: 'db' }),
    { freeConnectionWaitMs: realTimeoutMs(database.connectionTimeoutMs, clock) },
  );
}

/**
 * The server turned the connection away before anything was sent: it is refusing connections (down,
 * restarting: ECONNREFUSED, 57P03), full (53300), shutting down (57P01/57P02), or the socket died during the
 * handshake. Not retried: a wrong password or database (28xxx, 3D000: the same answer every time) and the
 * pool's own wait timeout (the pool is busy, not the server; waiting again would only queue more).
 */
export function isConnectRefusal(error: unknown): boolean {
  const classified = classifyDbError(error);
  if (!classified?.connection) return false;
  return !/^(28...|3D000|pool_timeout)$/.test(classified.code);
}

/**
 * The server aborted the statement, so it did not take effect and running it again is safe: its backend
 * was terminated (57P01, pg_terminate_backend or a fast shutdown) or crashed (57P02). A connection that just
 * ended without saying why is not retried: the statement may have committed before the socket closed.
 */
export function isStatementAborted(error: unknown): boolean {
  const code = classifyDbError(error)?.code;
  return code === '57P01' || code === '57P02';
}

function retryPolicy(when: (error: unknown) => boolean, retries: number): RetryPolicy {
  return retry(
    handleWhen((error) => when(error)),
    {
      maxAttempts: retries,
      backoff: new ExponentialBackoff({
        initialDelay: POOL_DEFAULTS.retryInitialDelayMs,
        maxDelay: POOL_DEFAULTS.retryMaxDelayMs,
      }),
    },
  );
}

/** Emitted by {@link ResilientPool} with the error of each connection attempt the server refused and that is retried. */
export const CONNECT_REFUSED_EVENT = 'connectRefused';

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: () => void) => void;

export interface ResilientPoolOptions {
  /**
   * How long `connect()` waits for a connection another caller holds (the pool is full) before it fails with
   * pg-pool's own timeout error, real ms. Default: the pool's `connectionTimeoutMillis`, which then bounds only
   * the opening of a new connection. The lab passes the simulated wait divided by the time scale.
   */
  freeConnectionWaitMs?: number;
}

/**
 * A pg Pool that survives its server restarting or dropping connections:
 * - every client gets an 'error' listener when it connects. pg-pool listens on idle clients only; a client
 *   checked out with `connect()` whose backend is terminated emits 'error' with nobody listening, and Node
 *   turns that into an uncaught exception ("Emitted 'error' event on Client instance"). The query in progress
 *   rejects anyway, and a released broken client is dropped by the pool.
 * - idle clients that die (the pool's 'error' event) are logged; the pool opens new ones when asked.
 * - `connect()` (which `query()` uses too) retries a connection the server turned away
 *   ({@link isConnectRefusal}), and a promise `query()` reruns a statement the server aborted
 *   ({@link isStatementAborted}), both with exponential backoff and at most {@link POOL_DEFAULTS}' retries.
 *   Statements on a client held for a transaction are not retried: the transaction is gone, its caller decides.
 * - waiting for a busy connection and opening a new one have their own bounds
 *   ({@link ResilientPoolOptions.freeConnectionWaitMs}); pg-pool has one for both.
 */
export class ResilientPool extends pg.Pool {
  private readonly connectRetry = retryPolicy(isConnectRefusal, POOL_DEFAULTS.retries);
  private readonly statementRetry = retryPolicy(isStatementAborted, POOL_DEFAULTS.statementRetries);
  private readonly connectTimeoutMs: number | undefined;
  private readonly freeConnectionWaitMs: number | undefined;

  constructor(config: pg.PoolConfig, log: Logger, options: ResilientPoolOptions = {}) {
    super(config);
    this.connectTimeoutMs = config.connectionTimeoutMillis;
    this.freeConnectionWaitMs = options.freeConnectionWaitMs ?? config.connectionTimeoutMillis;
    this.on('connect', (client) => {
      client.on('error', (error) => log.debug({ err: error.message }, 'database connection lost'));
    });
    this.on('error', (error) =>
      log.warn({ err: error.message }, 'idle database connection lost; the pool replaces it'),
    );
    this.connectRetry.onRetry(({ delay, ...reason }) => {
      // Each refusal is a real event (53300 is the server full), counted even when a retry then gets in: the
      // bot's connection-error metric must not hide a saturated server behind its own retries.
      if ('error' in reason) this.emit(CONNECT_REFUSED_EVENT, reason.error);
      log.warn(
        { err: 'error' in reason ? String(reason.error) : undefined, delayMs: Math.round(delay) },
        'database refused a connection; retrying',
      );
    });
    this.statementRetry.onRetry(({ delay }) => {
      log.warn({ delayMs: Math.round(delay) }, 'database aborted a statement (connection terminated); retrying');
    });
    const direct = this.query.bind(this);
    // One wrapper for every overload of query(): only the promise form of a text or config query is retried;
    // the callback and stream forms pass through untouched.
    this.query = ((...args: unknown[]) => {
      const last = args.at(-1);
      const streaming = typeof (args[0] as { submit?: unknown } | undefined)?.submit === 'function';
      if (typeof last === 'function' || streaming) return (direct as (...a: unknown[]) => unknown)(...args);
      return this.statementRetry.execute(() => (direct as (...a: unknown[]) => Promise<unknown>)(...args));
    }) as pg.Pool['query'];
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    const connected = this.connectRetry.execute(() => this.checkOut());
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, () => client.release()),
      (error: Error) => callback(error, undefined, () => undefined),
    );
    return undefined;
  }

  /**
   * pg-pool's connect() with the bound that fits what it will do. pg-pool reads its one `connectionTimeoutMillis`
   * synchronously in connect(): as the wait in its queue when every connection is taken (or an idle one is about to
   * be handed over), as the bound on opening a new one otherwise. So the option is set for this call alone.
   */
  private checkOut(): Promise<pg.PoolClient> {
    const willQueue = this.idleCount > 0 || this.totalCount >= (this.options.max ?? 10);
    if (!willQueue || this.freeConnectionWaitMs === this.connectTimeoutMs) return super.connect();
    this.options.connectionTimeoutMillis = this.freeConnectionWaitMs;
    try {
      return super.connect();
    } finally {
      this.options.connectionTimeoutMillis = this.connectTimeoutMs;
    }
  }
}
