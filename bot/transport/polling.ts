import type { RunnerHandle } from '@grammyjs/runner';
import type { Bot } from 'grammy';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';

/**
 * Long polling with @grammyjs/runner: one getUpdates loop, updates handled concurrently up to
 * `telegram.sinkConcurrency` (sequentialize in `bot.ts` keeps each chat in order). Only one poller per
 * token may run: a second instance makes Telegram answer 409 to one of them.
 *
 * @example
 * const poller = await startPolling(bot, config, logger);
 * await poller.stop(); // stops fetching, waits for the updates in flight
 */
export async function startPolling(
  bot: Bot<BotContext>,
  config: BotConfig,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ component: 'polling' });
  // bot.start() would call deleteWebhook itself; the runner does not. While a webhook is set,
  // Telegram refuses getUpdates with 409 forever, so a bot switched from webhook to polling would
  // hang silently. Pending updates are kept: they belong to users waiting for an answer.
  await bot.api.deleteWebhook({ drop_pending_updates: false });
  // Imported here, not at the top: a webhook instance never needs the runner, and every module loaded stays
  // in its heap for good (issue 3's memory budget per instance).
  const { run } = await import('@grammyjs/runner');
  const handle: RunnerHandle = run(bot, {
    runner: {
      fetch: { timeout: config.telegram.pollTimeoutS, allowed_updates: ['message', 'callback_query'] },
      // The runner prints getUpdates failures with console.error; ours go through the logger instead.
      silent: true,
      retryInterval: 'exponential',
    },
    sink: { concurrency: config.telegram.sinkConcurrency },
  });
  log.info({ sinkConcurrency: config.telegram.sinkConcurrency }, 'polling started');
  return {
    async stop() {
      if (handle.isRunning()) await handle.stop();
      log.info('polling stopped');
    },
  };
}
