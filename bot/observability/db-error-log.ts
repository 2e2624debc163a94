import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import type pg from 'pg';
import type pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BotConfig } from '../config/index.ts';
import type { ErrorReporter } from './sentry.ts';

export interface DbErrorLogOptions {
  config: Pick<BotConfig, 'instanceId'> & { observability: BotConfig['observability'] };
  /** The bot's own pool: the log competes with the users' queries for its connections, as in production. */
  pool: pg.Pool;
  registry: Registry;
  logger: pino.Logger;
}

/**
 * Logs every error as a row of `error_log`, asynchronously, through the bot's own pool: what many production
 * bots do instead of an error tracker. `capture` never waits and never throws. At most
 * `observability.errorLogConcurrency` rows are written at once (each holds one pool connection while it
 * does) and at most `errorLogQueueMax` wait; beyond that an error is dropped and counted, so a storm costs
 * bounded memory and connections. When PostgreSQL is down every write fails and is counted: the log goes
 * blind exactly when the database is the fault. Counted in `bot_error_log_total{outcome}` (written, dropped,
 * failed); `bot_error_log_writing` is the connections it holds now, `bot_error_log_queued` the rows waiting.
 * The bulkhead is cockatiel's (already the bot's resilience library): a concurrency limit with a capped queue.
 *
 * @example
 * const log = createDbErrorLog({ config, pool, registry, logger });
 * log.capture(error, { kind: 'text' }); ... await log.close();
 */
export function createDbErrorLog(options: DbErrorLogOptions): ErrorReporter {
  const { config, pool, registry } = options;
  const { errorLogConcurrency, errorLogQueueMax } = config.observability;
  const log = options.logger.child({ component: 'error-log' });
  const limit = bulkhead(errorLogConcurrency, errorLogQueueMax);
  const rows = new Counter({
    name: 'bot_error_log_total',
    help: 'errors given to the PostgreSQL error log by outcome: written, dropped (queue full), failed (write error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'bot_error_log_writing',
    help: 'error-log rows being written now, each holding one connection of the bot pool',
    registers: [registry],
    collect() {
      this.set(errorLogConcurrency - limit.executionSlots);
    },
  });
  new Gauge({
    name: 'bot_error_log_queued',
    help: 'error-log rows waiting for a write slot',
    registers: [registry],
    collect() {
      this.set(errorLogQueueMax - limit.queueSlots);
    },
  });
  const writing = new Set<Promise<void>>();
  let failuresLogged = 0;

  return {
    capture(error, context) {
      const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);
      const done = limit
        .execute(() =>
          pool.query('INSERT INTO error_log (instance, kind, message) VALUES ($1, $2, $3)', [
            config.instanceId,
            context.kind ?? 'update',
            message,
          ]),
        )
        .then(() => {
          rows.inc({ outcome: 'written' });
        })
        .catch((failure: unknown) => {
          if (failure instanceof BulkheadRejectedError) {
            rows.inc({ outcome: 'dropped' });
            return;
          }
          rows.inc({ outcome: 'failed' });
          // Only the first failure is logged: a log line per failed row would itself be the storm.
          if (failuresLogged++ === 0) log.warn({ err: failure }, 'error log write failed; counting further failures');
        })
        .finally(() => writing.delete(done));
      writing.add(done);
    },
    async close() {
      await Promise.all(writing);
    },
  };
}
