import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { classifyDbError } from '../db/errors.ts';
import { CONNECT_REFUSED_EVENT } from '../db/pool.ts';

/** Metric names, exported so the sampler and reports refer to them without retyping strings. */
export const BOT_METRIC_NAMES = {
  updates: 'bot_updates_total',
  updateDuration: 'bot_update_duration_seconds',
  poolTotal: 'bot_db_pool_total_connections',
  poolIdle: 'bot_db_pool_idle_connections',
  poolWaiting: 'bot_db_pool_waiting_clients',
  dbConnectionErrors: 'bot_db_connection_errors_total',
  dbQueryErrors: 'bot_db_query_errors_total',
} as const;

/** Update kinds as counted: what the user did. */
export type UpdateKind = 'command' | 'text' | 'callback' | 'message_other' | 'other';

export interface BotMetrics {
  readonly registry: Registry;
  /** Updates handled, by kind and outcome (ok, fallback, error, ignored). */
  readonly updates: Counter<'kind' | 'outcome'>;
  /** Time from the update entering the bot to its handler finishing, real seconds. */
  readonly updateDuration: Histogram<'kind'>;
  /** Counts a database failure under its SQLSTATE (53300 = server full) or `pool_timeout`. */
  recordDbError(error: unknown): void;
}

/**
 * The bot's own metrics on the instance's registry (one Registry per instance, so two instances in
 * one process - tests - do not share counters), plus Node's defaults (event-loop lag, heap, GC, CPU).
 * Pool gauges are read at scrape time: `waitingCount` above zero is the pool saturating.
 *
 * @example
 * const metrics = createBotMetrics(new Registry(), pool);
 * metrics.updates.inc({ kind: 'text', outcome: 'ok' });
 */
export function createBotMetrics(registry: Registry, pool: pg.Pool): BotMetrics {
  collectDefaultMetrics({ register: registry });
  const updates = new Counter({
    name: BOT_METRIC_NAMES.updates,
    help: 'Telegram updates handled, by kind and outcome (ok, fallback, error, ignored)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const updateDuration = new Histogram({
    name: BOT_METRIC_NAMES.updateDuration,
    help: 'Update handling time, from entering the middleware to the handler finishing, seconds',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  poolGauge(BOT_METRIC_NAMES.poolTotal, 'pg Pool connections open (idle + in use)', () => pool.totalCount);
  poolGauge(BOT_METRIC_NAMES.poolIdle, 'pg Pool connections open and idle', () => pool.idleCount);
  poolGauge(
    BOT_METRIC_NAMES.poolWaiting,
    'Queries waiting for a pg Pool connection (above 0 = pool saturated)',
    () => pool.waitingCount,
  );
  const connectionErrors = new Counter({
    name: BOT_METRIC_NAMES.dbConnectionErrors,
    help: 'Failures to get a database connection, by SQLSTATE (53300 = too many clients) or pool_timeout',
    labelNames: ['sqlstate'] as const,
    registers: [registry],
  });
  const queryErrors = new Counter({
    name: BOT_METRIC_NAMES.dbQueryErrors,
    help: 'Failed queries on an open connection, by SQLSTATE (57014 = statement timeout)',
    labelNames: ['sqlstate'] as const,
    registers: [registry],
  });
  // Idle connections that die (server restart, pooler recycling) surface here, not in a query.
  pool.on('error', (error) => recordDbError(error));
  // A refused connection the pool retried (bot/db/pool.ts): counted, or a full server would read as healthy.
  pool.on(CONNECT_REFUSED_EVENT as 'error', (error) => recordDbError(error));

  function recordDbError(error: unknown): void {
    const classified = classifyDbError(error);
    if (!classified) return;
    (classified.connection ? connectionErrors : queryErrors).inc({ sqlstate: classified.code });
  }

  return { registry, updates, updateDuration, recordDbError };
}
