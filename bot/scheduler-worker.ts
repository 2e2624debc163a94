import { Registry } from 'prom-client';
import { clockFor } from './app.ts';
import type { BotConfig } from './config/index.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { healthRoute, metricsRoute } from './http/routes.ts';
import { type HttpServer, startHttpServer } from './http/server.ts';
import { createAssistant } from './llm/index.ts';
import { createLogger } from './observability/logger.ts';
import { createBotMetrics } from './observability/metrics.ts';
import { createScheduler } from './scheduler/index.ts';

/** The dedicated scheduler worker of `scheduler.strategy: 'queue-worker'`, as one process. */
export interface SchedulerWorkerApp {
  /** `http://host:port` of /metrics and /healthz; set by `start()`. */
  readonly httpUrl: string;
  /** The worker takes no updates: no webhook. */
  readonly webhookUrl: undefined;
  start(): Promise<void>;
  /** Stops ticking (the queued jobs stay for the instances), closes the pool. */
  stop(): Promise<void>;
  /** Never resolves: the worker has no transport that can give up (kept for `botcap bot`'s uniform loop). */
  readonly failed: Promise<Error>;
}

/**
 * `botcap bot --scheduler-role worker`: not a bot instance - no Telegram intake, no handlers, no getMe. It ticks
 * every `scheduler.tickMs` and plans the digests due into `digest_jobs`; the bot instances (role `instance`) claim
 * and send them. It keeps the assistant only for Batch pre-generation (`cost.batchDigests`), which rides on the
 * tick. The orchestrator starts one next to the instances when a scenario picks queue-worker.
 *
 * @example
 * const worker = createSchedulerWorkerApp(loadBotConfig({ env: { BOTCAP_SCHEDULER_STRATEGY: 'queue-worker', BOTCAP_SCHEDULER_ROLE: 'worker' } }));
 * await worker.start();
 */
export function createSchedulerWorkerApp(config: BotConfig): SchedulerWorkerApp {
  const clock = clockFor(config);
  const logger = createLogger(config);
  const registry = new Registry();
  registry.setDefaultLabels({ instance: config.instanceId });
  const pool = createPool(config, logger, clock);
  const metrics = createBotMetrics(registry, pool);
  const assistant = createAssistant({ config, clock, logger, registry, pool });
  const scheduler = createScheduler({
    config,
    clock,
    logger,
    registry,
    pool,
    assistant,
    // The worker's coordinator plans only; a send reaching here would be a wiring bug, not a digest to retry.
    sendDigest: async () => {
      throw new Error('the scheduler worker does not send digests; bot instances do');
    },
  });
  let server: HttpServer | undefined;
  return {
    get httpUrl() {
      return server?.url ?? '';
    },
    webhookUrl: undefined,
    async start() {
      // Like an instance, so a worker started first (or alone, in a test) finds the tables it plans into.
      if (config.database.migrate) {
        const databaseUrl = config.database.migrateUrl ?? config.database.url;
        await migrate({ databaseUrl, logger, applicationName: `${config.instanceId}-migrate` });
      }
      server = await startHttpServer({
        host: config.observability.httpHost,
        port: config.observability.httpPort,
        routes: [metricsRoute(registry), healthRoute(pool, metrics)],
      });
      await scheduler.start();
      logger.info({ component: 'scheduler-worker', http: server.url }, 'scheduler worker started');
    },
    async stop() {
      await scheduler.stop();
      await server?.close(1_000);
      await assistant.close();
      await pool.end();
    },
    failed: new Promise<Error>(() => undefined),
  };
}
