import type { RunnerHandle } from '@grammyjs/runner';
import { type Bot, GrammyError } from 'grammy';
import type { Logger } from 'pino';
import { EnvironmentError } from '../../common/errors.ts';
import type { BotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';

export const POLLING_DEFAULTS = {
  /** First wait before polling again after a 409 Conflict, real ms; doubles up to the maximum. */
  conflictInitialDelayMs: 1_000,
  conflictMaxDelayMs: 10_000,
} as const;

/**
 * Long polling with @grammyjs/runner: one getUpdates loop, updates handled concurrently up to
 * `telegram.sinkConcurrency` (sequentialize in `bot.ts` keeps each chat in order). Only one poller per
 * token may run: a second instance makes Telegram answer 409 to one of them.
 *
 * When getUpdates keeps failing, the instance does not hang and does not crash: it keeps trying for
 * `telegram.pollGiveUpS`, then calls `onFatal` with one clear error (the app stops, `botcap bot` exits 1, and a
 * supervisor restarts it or an operator reads why):
 * - network failures and 5xx: the runner retries with backoff (each call also through the bounded API
 *   retries of `api-retry.ts`), until the give-up time passes without a successful getUpdates;
 * - 409 Conflict (another getUpdates on this token): the runner stops at once on it; polling restarts with
 *   backoff, because the usual cause is a rolling deploy whose old instance is still polling for a few
 *   seconds. Two instances polling for good would split the updates between them (and each see 409s), so
 *   past the give-up time this one leaves, saying why;
 * - 401 (the token was revoked): at once, nothing to wait for.
 *
 * @example
 * const poller = await startPolling(bot, config, logger, (error) => app.fail(error));
 * await poller.stop(); // stops fetching, waits for the updates in flight
 */
export async function startPolling(
  bot: Bot<BotContext>,
  config: BotConfig,
  logger: Logger,
  onFatal: (error: Error) => void,
): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ component: 'polling' });
  const { telegram } = config;
  const giveUpMs = telegram.pollGiveUpS * 1000;
  // bot.start() would call deleteWebhook itself; the runner does not. While a webhook is set,
  // Telegram refuses getUpdates with 409 forever, so a bot switched from webhook to polling would
  // hang silently. Pending updates are kept: they belong to users waiting for an answer.
  await bot.api.deleteWebhook({ drop_pending_updates: false });
  // Imported here, not at the top: a webhook instance never needs the runner, and every module loaded stays
  // in its heap for good (issue 3's memory budget per instance).
  const { run } = await import('@grammyjs/runner');

  let conflictSinceMs: number | undefined;
  let conflictDelayMs: number = POLLING_DEFAULTS.conflictInitialDelayMs;
  // A getUpdates that succeeds ends a conflict: the other poller has gone.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (method === 'getUpdates' && result.ok && conflictSinceMs !== undefined) {
      log.info('polling again: the other getUpdates has gone');
      conflictSinceMs = undefined;
      conflictDelayMs = POLLING_DEFAULTS.conflictInitialDelayMs;
    }
    return result;
  });

  let handle: RunnerHandle | undefined;
  let restart: NodeJS.Timeout | undefined;
  let stopped = false;

  function start(): void {
    const runner = run(bot, {
      runner: {
        fetch: { timeout: telegram.pollTimeoutS, allowed_updates: ['message', 'callback_query'] },
        // The runner prints getUpdates failures with console.error; ours go through the logger (api-retry.ts).
        silent: true,
        retryInterval: 'exponential',
        maxRetryTime: giveUpMs,
      },
      sink: { concurrency: telegram.sinkConcurrency },
    });
    handle = runner;
    runner.task()?.catch((error: unknown) => {
      if (!stopped) failed(error);
    });
  }

  function failed(error: unknown): void {
    const code = error instanceof GrammyError ? error.error_code : undefined;
    if (code === 409) {
      conflictSinceMs ??= Date.now();
      if (Date.now() - conflictSinceMs < giveUpMs) {
        log.warn(
          { retryInMs: conflictDelayMs, err: (error as Error).message },
          '409 Conflict: another getUpdates runs on this token (a second instance polling?); polling again soon',
        );
        restart = setTimeout(start, conflictDelayMs);
        conflictDelayMs = Math.min(conflictDelayMs * 2, POLLING_DEFAULTS.conflictMaxDelayMs);
        return;
      }
      onFatal(
        new EnvironmentError(
          `Telegram answered 409 Conflict to getUpdates for ${telegram.pollGiveUpS} s: another instance polls with this ` +
            'token. Only one poller per token can run: stop the other one, or use --telegram-transport webhook',
        ),
      );
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    onFatal(
      code === 401
        ? new EnvironmentError(`Telegram refused the bot token (401) on getUpdates: ${reason}`)
        : new EnvironmentError(
            `getUpdates kept failing for ${telegram.pollGiveUpS} s (${reason}); is the Bot API at ${telegram.apiRoot} reachable?`,
          ),
    );
  }

  start();
  log.info({ sinkConcurrency: telegram.sinkConcurrency }, 'polling started');
  return {
    async stop() {
      stopped = true;
      clearTimeout(restart);
      if (handle?.isRunning()) await handle.stop();
      log.info('polling stopped');
    },
  };
}
