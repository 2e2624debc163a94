import { sequentialize } from '@grammyjs/runner';
import { Bot, type StorageAdapter, session } from 'grammy';
import type pg from 'pg';
import { realTimeoutMs } from './config/real-time.ts';
import { BotContext, initialSession, type SessionData, sessionKey } from './context.ts';
import { PostgresSessionStorage } from './db/session-storage.ts';
import { UpdateLedger } from './db/update-ledger.ts';
import { commandHandlers, conversationHandlers, navigationHandlers, otherUpdateHandlers } from './handlers/index.ts';
import { handErrorsToCatch } from './middleware/hand-errors-to-catch.ts';
import { handleOnce } from './middleware/handle-once.ts';
import { limitMessageRate } from './middleware/rate-limit.ts';
import { replyFallbackOnError } from './middleware/reply-fallback-on-error.ts';
import { type UpdateTracker, updateKind } from './middleware/track-updates.ts';
import type { BotMetrics } from './observability/metrics.ts';
import type { ErrorReporter } from './observability/sentry.ts';
import { plantedDelay } from './planted-delay.ts';
import type { BotServices } from './services.ts';
import { telegramFetch } from './telegram-fetch.ts';
import { installApiRetries } from './transport/api-retry.ts';

export interface CreateBotOptions {
  services: BotServices;
  pool: pg.Pool;
  metrics: BotMetrics;
  errors: ErrorReporter;
  /** Counts, times and tracks the running updates, so a stop can wait for them (middleware/track-updates.ts). */
  updates: UpdateTracker;
  /** Where sessions live (`session.storage`, bot/sessions/); default the `sessions` table over `pool`. */
  sessionStorage?: StorageAdapter<SessionData>;
}

/**
 * The grammY bot: its API client and its middleware, in the order an update passes through them. It knows
 * nothing about transports; `transport/` feeds it updates by polling or webhook.
 *
 * @example
 * const bot = createBot({ services, pool, metrics, errors, updates: trackUpdates(metrics) });
 * bot.botInfo = await bot.api.getMe(); // fails fast on a wrong token or an unreachable API root
 */
export function createBot({
  services,
  pool,
  metrics,
  errors,
  updates,
  sessionStorage,
}: CreateBotOptions): Bot<BotContext> {
  const { config, logger, clock } = services;
  const log = logger.child({ component: 'bot' });
  const bot = new Bot<BotContext>(config.telegram.token, {
    ContextConstructor: BotContext,
    // apiRoot points at the real Bot API or the fake; one timeout for every call (getUpdates included);
    // the calls go over undici's pooled client, not node-fetch (telegram-fetch.ts says why).
    client: { apiRoot: config.telegram.apiRoot, timeoutSeconds: config.telegram.apiTimeoutS, fetch: telegramFetch() },
  });
  // Flood control (429) is normal at 30 msg/s, 5xx and network failures happen: bounded retries, waits honoured.
  installApiRetries(bot, config, logger);

  // 1. Every error below ends in bot.catch, so handling an update never rejects (webhooks need that).
  bot.use(handErrorsToCatch(bot));
  // 2. Every update counted while it runs (stop() waits for them before closing the pool they write through),
  // timed and counted by kind and outcome when it ends (bot_updates_total, bot_update_duration_seconds).
  bot.use(updates.middleware);
  // 3. Each update_id once, across instances: a redelivery is dropped, or waits for the first handler.
  if (config.telegram.dedupUpdates) {
    const ledger = new UpdateLedger(pool, config.instanceId);
    // Only one instance may poll, so a poller that finds an unfinished claim found a dead poller's: no lease.
    const leaseMs = config.telegram.transport === 'polling' ? 0 : realTimeoutMs(config.telegram.updateLeaseMs, clock);
    bot.use(handleOnce({ ledger, leaseMs, logger }));
  }
  // 4. Never silence: a failure below that left the user without a reply gets the ⚠️ fallback (then rethrows).
  bot.use(replyFallbackOnError);
  if (config.telegram.transport === 'polling') {
    // 5. The runner handles updates concurrently; this keeps one chat's updates in order (and its session
    // consistent) while different chats run in parallel. It must come before session(). Webhook mode goes
    // without: Telegram sends a chat's next update only after our answer to the previous one, and an
    // in-process lock could not order updates spread over several instances anyway.
    bot.use(sequentialize(sessionKey));
  }
  // 6. The chat's session (onboarding step, message allowance) from its storage, written back after the handler.
  bot.use(
    session<SessionData, BotContext>({
      initial: initialSession,
      getSessionKey: sessionKey,
      storage: sessionStorage ?? new PostgresSessionStorage<SessionData>(pool),
    }),
  );
  // 7. A user over their message limit is asked to slow down instead of reaching a handler.
  bot.use(limitMessageRate(config.rateLimit, clock));
  // Test only (testing.plantedDelayMs, default 0): a planted slowdown the regression gate's tests must catch.
  if (config.testing.plantedDelayMs > 0) bot.use(plantedDelay(services.clock, config.testing.plantedDelayMs));
  // 8. The handlers: commands first, so a "/start" typed mid-onboarding is a command, not an answer.
  bot.use(commandHandlers(services));
  bot.use(navigationHandlers(services));
  bot.use(conversationHandlers(services));
  bot.use(otherUpdateHandlers());

  // The fallback already went out (or could not); here the error is logged, counted and reported.
  bot.catch((error) => {
    metrics.recordDbError(error.error);
    const kind = updateKind(error.ctx);
    log.error({ err: error.error, updateId: error.ctx.update.update_id, kind }, 'update failed');
    errors.capture(error.error, { updateId: error.ctx.update.update_id, kind });
  });
  return bot;
}
