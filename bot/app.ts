import { randomBytes } from 'node:crypto';
import type { Bot } from 'grammy';
import type pg from 'pg';
import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { type Clock, createScaledClock } from '../common/clock.ts';
import { ConfigError, EnvironmentError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import { createBot } from './bot.ts';
import type { BotConfig } from './config/index.ts';
import { preflight } from './config/preflight.ts';
import type { BotContext, SessionData } from './context.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { TurnStore } from './db/turns.ts';
import { UpdateLedger } from './db/update-ledger.ts';
import { UserStore } from './db/users.ts';
import { publishCommandMenu } from './handlers/index.ts';
import { cronRoute, healthRoute, metricsRoute } from './http/routes.ts';
import { type HttpServer, type Route, startHttpServer } from './http/server.ts';
import { type Assistant, type AssistantDeps, createAssistant } from './llm/index.ts';
import { trackUpdates } from './middleware/track-updates.ts';
import { createDbErrorLog } from './observability/db-error-log.ts';
import { configSecrets, createLogger } from './observability/logger.ts';
import { createBotMetrics } from './observability/metrics.ts';
import { createErrorReporter, type ErrorReporter, NO_ERROR_REPORTER } from './observability/sentry.ts';
import { createTelegramAlerter } from './observability/telegram-alerts.ts';
import { createScheduler, type Scheduler, sendDigestWithTelegram } from './scheduler/index.ts';
import type { BotServices } from './services.ts';
import { registerOnboardingGauge } from './sessions/flow-metrics.ts';
import { createSessionStore } from './sessions/storage.ts';
import { createSlotter } from './slotting/index.ts';
import { startPolling } from './transport/polling.ts';
import { registerWebhook, webhookRoute } from './transport/webhook.ts';

/** What can be swapped when the app is built; every field optional, defaults in the comments. */
export interface BotAppDeps {
  /** Default: the wall clock, or the lab's scaled clock when `config.time` sets one. */
  clock?: Clock;
  /** Where log lines go. Default: stderr. */
  logDestination?: DestinationStream;
  /** Default: `createAssistant` from `bot/llm` (tests and examples pass a stand-in). */
  createAssistant?: (deps: AssistantDeps) => Assistant;
  /** How long stop() lets in-flight updates finish, real ms. Default 10,000. */
  drainMs?: number;
  /** The most stop() takes whatever hangs (a dead API, a stuck query), real ms. Default 20,000. */
  stopGraceMs?: number;
}

export const BOT_APP_DEFAULTS = {
  drainMs: 10_000,
  /**
   * stop() returns within this, whatever still hangs: inside Kubernetes' default 30 s termination grace period,
   * so one SIGTERM is enough, and longer than the drain so the updates in flight get theirs.
   */
  stopGraceMs: 20_000,
  /** Claims of handled updates are kept a day: Telegram drops an undelivered update after 24 hours. */
  ledgerKeepMs: 24 * 3600_000,
  /** How often an instance deletes older claims, real ms. */
  ledgerPruneEveryMs: 3600_000,
} as const;

/** One running bot instance. */
export interface BotApp {
  /** The config the instance runs with (a generated webhook secret filled in). */
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
   * Checks the config, migrates, checks the token (getMe), opens the HTTP server, starts the transport and the
   * scheduler. If it throws, call `stop()` to release what was already opened.
   */
  start(): Promise<void>;
  /**
   * Stops taking updates, lets the ones in flight finish, stops the scheduler, closes the pool. Idempotent.
   * Resolves within `stopGraceMs` even if a step hangs (what is left is abandoned: the process should exit).
   */
  stop(): Promise<void>;
  /**
   * Resolves with an error when the instance can no longer work and should exit (polling gave up: another
   * poller, or the Bot API unreachable for `telegram.pollGiveUpS`). Never rejects; pending while all is well.
   */
  readonly failed: Promise<Error>;
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
export function createBotApp(given: BotConfig, deps: BotAppDeps = {}): BotApp {
  const config = withWebhookSecret(given);
  const clock = deps.clock ?? clockFor(config);
  const logger = createLogger(config, deps.logDestination);
  const log = logger.child({ component: 'app' });
  const registry = new Registry();
  // Several instances feed one Prometheus (or one sampler): the label tells their series apart.
  registry.setDefaultLabels({ instance: config.instanceId });
  const pool = createPool(config, logger, clock);
  const metrics = createBotMetrics(registry, pool);
  const sentry = reporterLoadedAtStart();
  const alerts = createTelegramAlerter({
    config,
    registry,
    logger,
    summaryEveryRealMs: clock.toRealMs(config.observability.alertSummaryEveryMs),
  });
  const errorLog = config.observability.errorLog
    ? createDbErrorLog({ config, pool, registry, logger })
    : NO_ERROR_REPORTER;
  const errors = { ...sentry, ...allReporters([sentry, alerts, errorLog]) };
  const assistant = (deps.createAssistant ?? createAssistant)({ config, clock, logger, registry, pool, errors });
  const services: BotServices = {
    config,
    clock,
    logger,
    users: new UserStore(pool),
    turns: new TurnStore(pool),
    slotter: createSlotter(pool, config.slotting, registry),
    assistant,
  };
  const updates = trackUpdates(metrics);
  const sessions = createSessionStore<SessionData>(config, pool);
  registerOnboardingGauge(registry, pool);
  const bot = createBot({ services, pool, metrics, errors, updates, sessionStorage: sessions.storage });
  const drainMs = deps.drainMs ?? BOT_APP_DEFAULTS.drainMs;
  const stopGraceMs = deps.stopGraceMs ?? BOT_APP_DEFAULTS.stopGraceMs;
  let fail: (error: Error) => void = () => undefined;
  const failure = new Promise<Error>((resolve) => {
    fail = (error) => {
      log.error({ err: error.message }, 'the instance cannot go on');
      resolve(error);
    };
  });

  let server: HttpServer | undefined;
  let poller: { stop(): Promise<void> } | undefined;
  let scheduler: Scheduler | undefined;
  let pruning: NodeJS.Timeout | undefined;
  let webhookUrl: string | undefined;
  let stopping: Promise<void> | undefined;

  /** Wraps a failure at start into an EnvironmentError that says what failed, secrets removed. */
  const failed =
    (what: string) =>
    (error: unknown): never => {
      throw new EnvironmentError(`${what}: ${redactSecrets(String(error), configSecrets(config))}`);
    };

  /** The steps of a start, in order; each fails with a message that says what failed. */
  async function start(): Promise<void> {
    checkConfig(given, log);
    await errors.load(config);
    await migrateSchema();
    // getMe: a wrong token or an unreachable API root fails here, at start, not at the first update.
    // Not bot.init(): grammY retries a network failure there forever, and a bot against an unreachable API root
    // hung silently. getMe through the bot's own client has the bounded retries of transport/api-retry.ts.
    bot.botInfo = await bot.api
      .getMe()
      .catch(failed(`the Bot API at ${config.telegram.apiRoot} refused getMe (wrong token, fake not running?)`));
    // The "/" menu in Telegram's apps: nice to have, so a refusal is logged rather than fatal.
    await publishCommandMenu(bot.api).catch((error: unknown) => {
      log.warn({ err: error }, 'could not publish the command menu');
    });
    if (config.scheduler.enabled) {
      const sendDigest = sendDigestWithTelegram(bot.api);
      scheduler = createScheduler({ config, clock, logger, registry, pool, assistant, sendDigest });
    }
    server = await startHttpServer(httpServerOptions(routes()));
    await startIntake(server);
    await scheduler?.start();
    if (config.telegram.dedupUpdates) pruning = pruneHandledUpdates(new UpdateLedger(pool, config.instanceId), log);
    log.info(
      { transport: config.telegram.transport, http: server.url, webhook: webhookUrl, bot: bot.botInfo.username },
      'bot started',
    );
  }

  async function migrateSchema(): Promise<void> {
    if (!config.database.migrate) return;
    const databaseUrl = config.database.migrateUrl ?? config.database.url;
    await migrate({ databaseUrl, logger, applicationName: `${config.instanceId}-migrate` }).catch(
      failed('database migration failed'),
    );
  }

  /** Updates start coming in: the webhook is registered (unless a deployer does it), or polling starts. */
  async function startIntake(http: HttpServer): Promise<void> {
    const { telegram } = config;
    if (telegram.transport === 'polling') {
      poller = await startPolling(bot, config, logger, fail);
      return;
    }
    webhookUrl = telegram.webhookPublicUrl ?? `${http.url}${telegram.webhookPath}`;
    if (telegram.setWebhook) await registerWebhook(bot, config, webhookUrl, telegram.webhookSecret!);
  }

  /** /metrics and /healthz always; the cron tick for cron-http; the webhook in webhook mode. */
  function routes(): Route[] {
    const list: Route[] = [metricsRoute(registry), healthRoute(pool, metrics)];
    const ticking = scheduler;
    if (config.scheduler.strategy === 'cron-http' && ticking) {
      const onError = (error: unknown) => log.error({ err: error }, 'cron tick failed');
      list.push(cronRoute(config.scheduler.cronPath, () => ticking.handleTick(), onError));
    }
    if (config.telegram.transport === 'webhook') {
      list.push(webhookRoute(bot, config, config.telegram.webhookSecret!, logger, clock));
    }
    return list;
  }

  /** One server: on the webhook's address in webhook mode, on the observability address when polling. */
  function httpServerOptions(list: Route[]) {
    const { telegram, observability } = config;
    return telegram.transport === 'webhook'
      ? { host: telegram.webhookHost, port: telegram.webhookPort, routes: list }
      : { host: observability.httpHost, port: observability.httpPort, routes: list };
  }

  /** stopSteps, but never longer than stopGraceMs. */
  async function stopOnce(): Promise<void> {
    log.info('stopping');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), stopGraceMs);
    });
    const outcome = await Promise.race([stopSteps(), graceOver]);
    clearTimeout(timer);
    if (outcome === 'late') log.warn({ stopGraceMs }, 'stop outlived its grace period; leaving the rest');
    log.info('stopped');
  }

  async function stopSteps(): Promise<'done'> {
    clearInterval(pruning);
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
          if (!(await updates.drain(drainMs))) log.warn({ running: updates.count() }, 'handlers still running at stop');
        },
      ],
      ['scheduler', () => scheduler?.stop()],
      ['assistant', () => assistant.close()],
      ['sessions', () => sessions.close()],
      ['pool', () => pool.end()],
      ['sentry and alerts', () => errors.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        log.warn({ err: error, step: name }, 'stop step failed');
      }
    }
    return 'done';
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
    failed: failure,
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
  };
}

/**
 * In webhook mode without a configured secret, a random one: the bot registers it with setWebhook, and
 * Telegram is the only party that needs to know it. (Several instances behind one URL must share one: set
 * WEBHOOK_SECRET. With setWebhook off nobody could learn it, and `checkConfig` refuses to start.)
 */
function withWebhookSecret(config: BotConfig): BotConfig {
  const { telegram } = config;
  if (telegram.transport !== 'webhook' || telegram.webhookSecret !== undefined || !telegram.setWebhook) return config;
  return { ...config, telegram: { ...telegram, webhookSecret: randomBytes(32).toString('hex') } };
}

/** Lab only: the scaled clock a capacity run shares between instances. In production `config.time` is unset. */
export function clockFor(config: BotConfig): Clock {
  return createScaledClock({
    timeScale: config.time.timeScale,
    startAtMs: config.time.startAt === undefined ? undefined : Date.parse(config.time.startAt),
    anchorRealMs: config.time.anchorRealMs,
  });
}

/** Refuses a config that would misbehave later (config/preflight.ts); logs what is only doubtful. */
function checkConfig(config: BotConfig, log: Logger): void {
  const { errors, warnings } = preflight(config);
  for (const warning of warnings) log.warn(warning);
  if (config.telegram.transport === 'webhook' && config.telegram.webhookSecret === undefined && errors.length === 0) {
    log.info('generated a random webhook secret and registered it with setWebhook; set WEBHOOK_SECRET to choose one');
  }
  if (errors.length > 0) throw new ConfigError(`the bot will not start:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
}

/**
 * The error reporter, for bot.catch from the start; Sentry itself (when configured) is loaded by `start()`,
 * because importing it takes seconds that building an app should not.
 */
function reporterLoadedAtStart(): ErrorReporter & { load(config: BotConfig): Promise<void> } {
  let reporter: ErrorReporter = NO_ERROR_REPORTER;
  return {
    async load(config) {
      reporter = await createErrorReporter(config);
    },
    capture: (error, context) => reporter.capture(error, context),
    close: () => reporter.close(),
  };
}

/** Every error to every reporter (Sentry, the Telegram alerts, the error log: each a no-op unless configured). */
function allReporters(reporters: readonly ErrorReporter[]): ErrorReporter {
  return {
    capture(error, context) {
      for (const reporter of reporters) reporter.capture(error, context);
    },
    close: async () => {
      await Promise.all(reporters.map((reporter) => reporter.close()));
    },
  };
}

/** Deletes day-old update claims every hour (unref'd: it never keeps the process alive). */
function pruneHandledUpdates(ledger: UpdateLedger, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    ledger.prune(BOT_APP_DEFAULTS.ledgerKeepMs).catch((error: unknown) => {
      log.warn({ err: error }, 'could not prune handled_updates');
    });
  }, BOT_APP_DEFAULTS.ledgerPruneEveryMs);
  timer.unref();
  return timer;
}
