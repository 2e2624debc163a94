import type { Bot } from 'grammy';
import type pg from 'pg';
import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { type Clock, createScaledClock } from '../common/clock.ts';
import { ConfigError, EnvironmentError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import { createBot } from './bot.ts';
import type { BotConfig } from './config/index.ts';
import type { BotContext } from './context.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { TurnStore } from './db/turns.ts';
import { UserStore } from './db/users.ts';
import { cronRoute, healthRoute, metricsRoute } from './http/routes.ts';
import { type HttpServer, type Route, startHttpServer } from './http/server.ts';
import { trackInFlight } from './in-flight.ts';
import { type Assistant, type AssistantDeps, createAssistant } from './llm/index.ts';
import { configSecrets, createLogger } from './observability/logger.ts';
import { createBotMetrics } from './observability/metrics.ts';
import { createErrorReporter, type ErrorReporter, NO_ERROR_REPORTER } from './observability/sentry.ts';
import { trimToTelegramLimit } from './reply.ts';
import { createScheduler, type Scheduler, type SchedulerDeps } from './scheduler/index.ts';
import type { BotServices } from './services.ts';
import { Slotter } from './slotting/index.ts';
import { startPolling } from './transport/polling.ts';
import { registerWebhook, webhookRoute } from './transport/webhook.ts';

/** What can be swapped when the app is built; every field optional, defaults in the comments. */
export interface BotAppDeps {
  /** Default: a scaled clock from `config.time` (timeScale, startAt, anchorRealMs). */
  clock?: Clock;
  /** Where log lines go. Default: stderr. */
  logDestination?: DestinationStream;
  /** Default: `createAssistant` from `bot/llm`. */
  createAssistant?: (deps: AssistantDeps) => Assistant;
  /** Default: `createScheduler` from `bot/scheduler`; not called when `scheduler.enabled` is off. */
  createScheduler?: (deps: SchedulerDeps) => Scheduler;
  /** How long stop() lets in-flight webhook requests finish, real ms. Default 10,000. */
  drainMs?: number;
}

export const BOT_APP_DEFAULTS = { drainMs: 10_000 } as const;

/** One running bot instance. */
export interface BotApp {
  readonly config: BotConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The instance's metrics registry (the assistant and scheduler register theirs on it too). */
  readonly registry: Registry;
  readonly pool: pg.Pool;
  /** The grammY bot, e.g. to install an API transformer before `start()`. */
  readonly bot: Bot<BotContext>;
  /** `http://host:port` of /metrics and /healthz (and the webhook); set by `start()`. */
  readonly httpUrl: string;
  /** The URL registered with setWebhook, in webhook mode; set by `start()`. */
  readonly webhookUrl: string | undefined;
  /**
   * Migrates, checks the token (getMe), opens the HTTP server, starts the transport and the scheduler.
   * If it throws, call `stop()` to release what was already opened.
   */
  start(): Promise<void>;
  /** Stops taking updates, lets the ones in flight finish, stops the scheduler, closes the pool. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: builds every part of one instance from its config and wires them together.
 * Nothing else in `bot/` constructs a pool, a logger or a registry; they are passed down.
 *
 * @example
 * const app = createBotApp(loadBotConfig({ env: process.env }));
 * await app.start();
 * console.log(app.httpUrl, app.webhookUrl);
 * process.once('SIGTERM', () => void app.stop());
 */
export function createBotApp(config: BotConfig, deps: BotAppDeps = {}): BotApp {
  const clock =
    deps.clock ??
    createScaledClock({
      timeScale: config.time.timeScale,
      startAtMs: config.time.startAt === undefined ? undefined : Date.parse(config.time.startAt),
      anchorRealMs: config.time.anchorRealMs,
    });
  const logger = createLogger(config, deps.logDestination);
  const log = logger.child({ component: 'app' });
  const registry = new Registry();
  // Several instances feed one Prometheus (or one sampler): the label tells their series apart.
  registry.setDefaultLabels({ instance: config.instanceId });
  const pool = createPool(config);
  const metrics = createBotMetrics(registry, pool);
  // Sentry (when configured) is loaded in start(); bot.catch reports through this forwarder.
  let reporter: ErrorReporter = NO_ERROR_REPORTER;
  const errors: ErrorReporter = {
    capture: (error, context) => reporter.capture(error, context),
    close: () => reporter.close(),
  };
  const assistant = (deps.createAssistant ?? createAssistant)({ config, clock, logger, registry, pool });
  const services: BotServices = {
    config,
    clock,
    logger,
    users: new UserStore(pool),
    turns: new TurnStore(pool),
    slotter: new Slotter(pool, config.slotting),
    assistant,
  };
  const inFlight = trackInFlight();
  const bot = createBot({ services, pool, metrics, errors, inFlight });
  const secrets = configSecrets(config);

  let server: HttpServer | undefined;
  let poller: { stop(): Promise<void> } | undefined;
  let scheduler: Scheduler | undefined;
  let webhookUrl: string | undefined;
  let stopping: Promise<void> | undefined;

  /** Wraps a failure at start into an EnvironmentError that says what failed, secrets removed. */
  const rethrowAs =
    (what: string) =>
    (error: unknown): never => {
      throw new EnvironmentError(`${what}: ${redactSecrets(String(error), secrets)}`);
    };

  async function start(): Promise<void> {
    const { telegram } = config;
    if (telegram.transport === 'polling' && telegram.apiTimeoutS <= telegram.pollTimeoutS) {
      throw new ConfigError(
        `telegram.apiTimeoutS (${telegram.apiTimeoutS}) must exceed telegram.pollTimeoutS (${telegram.pollTimeoutS}): getUpdates shares the API timeout`,
      );
    }
    reporter = await createErrorReporter(config);
    if (config.database.migrate) {
      const applicationName = `${config.instanceId}-migrate`;
      const databaseUrl = config.database.migrateUrl ?? config.database.url;
      await migrate({ databaseUrl, logger, applicationName }).catch(rethrowAs('database migration failed'));
    }
    // getMe: a wrong token or an unreachable API root fails here, at start, not at the first update.
    await bot
      .init()
      .catch(rethrowAs(`the Bot API at ${telegram.apiRoot} refused getMe (wrong token, fake not running?)`));

    if (config.scheduler.enabled) {
      const create = deps.createScheduler ?? createScheduler;
      scheduler = create({
        config,
        clock,
        logger,
        registry,
        pool,
        assistant,
        sendDigest: async (chatId, text) => {
          await bot.api.sendMessage(chatId, trimToTelegramLimit(text));
        },
      });
    }

    const routes: Route[] = [metricsRoute(registry), healthRoute(pool, metrics)];
    if (config.scheduler.strategy === 'cron-http' && scheduler) {
      const tickingScheduler = scheduler;
      routes.push(
        cronRoute(
          config.scheduler.cronPath,
          () => tickingScheduler.handleTick(),
          (error) => log.error({ err: error }, 'cron tick failed'),
        ),
      );
    }
    if (telegram.transport === 'webhook') routes.push(webhookRoute(bot, config, logger));
    server = await startHttpServer(
      telegram.transport === 'webhook'
        ? { host: telegram.webhookHost, port: telegram.webhookPort, routes }
        : { host: config.observability.httpHost, port: config.observability.httpPort, routes },
    );

    if (telegram.transport === 'webhook') {
      webhookUrl = telegram.webhookPublicUrl ?? `${server.url}${telegram.webhookPath}`;
      if (telegram.setWebhook) await registerWebhook(bot, config, webhookUrl);
    } else {
      poller = await startPolling(bot, config, logger);
    }
    await scheduler?.start();
    log.info(
      { transport: telegram.transport, http: server.url, webhook: webhookUrl, bot: bot.botInfo.username },
      'bot started',
    );
  }

  async function stopOnce(): Promise<void> {
    log.info('stopping');
    const drainMs = deps.drainMs ?? BOT_APP_DEFAULTS.drainMs;
    const steps: Array<[string, () => Promise<void> | undefined]> = [
      // Intake first: no new updates, the ones in flight finish (the runner waits for them; the
      // server waits for open webhook requests, whose handlers answer only when done).
      ['polling', () => poller?.stop()],
      ['http server', () => server?.close(drainMs)],
      // A webhook request may have ended (onTimeout) while its handler runs on: let it finish before the
      // pool it writes the session through goes away.
      [
        'handlers',
        async () => {
          if (!(await inFlight.drain(drainMs)))
            log.warn({ running: inFlight.count() }, 'handlers still running at stop');
        },
      ],
      ['scheduler', () => scheduler?.stop()],
      ['assistant', () => assistant.close()],
      ['pool', () => pool.end()],
      ['sentry', () => errors.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        log.warn({ err: error, step: name }, 'stop step failed');
      }
    }
    log.info('stopped');
  }

  return {
    config,
    clock,
    logger,
    registry,
    pool,
    bot,
    get httpUrl() {
      if (!server) throw new Error('httpUrl is known after start()');
      return server.url;
    },
    get webhookUrl() {
      return webhookUrl;
    },
    start,
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
  };
}
