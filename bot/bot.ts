import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { Bot, session } from 'grammy';
import type pg from 'pg';
import { BotContext, initialSession, type SessionData, sessionKey } from './context.ts';
import { PostgresSessionStorage } from './db/session-storage.ts';
import {
  commandHandlers,
  conversationHandlers,
  errorBoundary,
  navigationHandlers,
  otherUpdateHandlers,
} from './handlers/index.ts';
import { settleErrors } from './handlers/settle-errors.ts';
import type { InFlight } from './in-flight.ts';
import type { BotMetrics } from './observability/metrics.ts';
import type { ErrorReporter } from './observability/sentry.ts';
import { measureUpdates, updateKind } from './observability/update-metrics.ts';
import { plantedDelay } from './planted-delay.ts';
import type { BotServices } from './services.ts';

export interface CreateBotOptions {
  services: BotServices;
  pool: pg.Pool;
  metrics: BotMetrics;
  errors: ErrorReporter;
  /** Counts running handlers so a stop can wait for them (see in-flight.ts). */
  inFlight?: InFlight;
}

/**
 * The grammY bot: its API client and its middleware, in the order an update passes through them.
 * It knows nothing about transports; `transport/` feeds it updates by polling or webhook.
 *
 * @example
 * const bot = createBot({ services, pool, metrics, errors });
 * await bot.init(); // getMe: fails fast on a wrong token or an unreachable API root
 */
export function createBot({ services, pool, metrics, errors, inFlight }: CreateBotOptions): Bot<BotContext> {
  const { config, logger } = services;
  const log = logger.child({ component: 'bot' });
  const bot = new Bot<BotContext>(config.telegram.token, {
    ContextConstructor: BotContext,
    // apiRoot points at the real Bot API or the fake; one timeout for every call (getUpdates included).
    client: { apiRoot: config.telegram.apiRoot, timeoutSeconds: config.telegram.apiTimeoutS },
  });
  if (config.telegram.apiRetryAttempts > 0) {
    // Flood control (429) is normal at 30 msg/s; retry after the time Telegram asks for, up to a limit.
    bot.api.config.use(
      autoRetry({
        maxRetryAttempts: config.telegram.apiRetryAttempts,
        maxDelaySeconds: config.telegram.apiRetryMaxDelayS,
      }),
    );
  }

  bot.use(settleErrors(bot));
  if (inFlight) bot.use(inFlight.middleware);
  bot.use(measureUpdates(metrics));
  bot.use(errorBoundary);
  if (config.telegram.transport === 'polling') {
    // The runner handles updates concurrently; this keeps one chat's updates in order (and its session
    // consistent) while different chats run in parallel. It must come before session(). Webhook mode
    // goes without: Telegram sends a chat's next update only after our answer to the previous one, and
    // an in-process lock could not order updates spread over several instances anyway.
    bot.use(sequentialize(sessionKey));
  }
  bot.use(
    session<SessionData, BotContext>({
      initial: initialSession,
      getSessionKey: sessionKey,
      storage: new PostgresSessionStorage<SessionData>(pool),
    }),
  );
  if (config.testing.plantedDelayMs > 0) bot.use(plantedDelay(services.clock, config.testing.plantedDelayMs));
  bot.use(commandHandlers(services));
  bot.use(navigationHandlers(services));
  bot.use(conversationHandlers(services));
  bot.use(otherUpdateHandlers());

  // The error boundary already replied (or could not); here the error is logged, counted and reported.
  bot.catch((error) => {
    metrics.recordDbError(error.error);
    const kind = updateKind(error.ctx);
    log.error({ err: error.error, updateId: error.ctx.update.update_id, kind }, 'update failed');
    errors.capture(error.error, { updateId: error.ctx.update.update_id, kind });
  });
  return bot;
}
