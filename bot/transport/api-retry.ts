import { autoRetry } from '@grammyjs/auto-retry';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { type Bot, HttpError, type Transformer } from 'grammy';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';

export const API_RETRY_DEFAULTS = {
  /** First wait after a network failure of a Bot API call, real ms; doubles (with jitter) per attempt. */
  networkInitialDelayMs: 500,
  networkMaxDelayMs: 5_000,
} as const;

/**
 * Retries of Bot API calls, every one bounded by `telegram.apiRetryAttempts` (0 = none):
 * - 429 (flood control): after the `retry_after` Telegram asks for, up to `telegram.apiRetryMaxDelayS`
 *   (a longer wait fails the call at once); 5xx: with auto-retry's backoff (3 s, 6 s, ...).
 *   Both by @grammyjs/auto-retry.
 * - Network failures (refused, reset, timed out: grammY's HttpError): auto-retry would retry these forever
 *   whatever its attempt limit says (2.0.2), so a bot against an unreachable API root hung silently. They are
 *   rethrown to a cockatiel retry with the same bound and a logged warning per attempt. A call cancelled by
 *   its signal (a stop) is never retried.
 * A network retry may repeat a call Telegram had already taken (the answer was lost, not the request): a
 * rare duplicate message is the price of not losing one, as with auto-retry before.
 *
 * @example
 * installApiRetries(bot, config, logger);
 */
export function installApiRetries(bot: Bot<BotContext>, config: BotConfig, logger: Logger): void {
  const attempts = config.telegram.apiRetryAttempts;
  if (attempts === 0) return;
  const log = logger.child({ component: 'bot-api' });
  // Installed first, so it runs inside the network retry: each network attempt gets its own 429/5xx handling.
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: attempts,
      maxDelaySeconds: config.telegram.apiRetryMaxDelayS,
      rethrowHttpErrors: true,
    }),
  );
  bot.api.config.use(retryNetworkFailures(attempts, log));
}

/** An API transformer that retries a call failing with a network error, `attempts` times at most. */
export function retryNetworkFailures(attempts: number, log: Logger): Transformer {
  return (prev, method, payload, signal) => {
    const policy = retry(
      handleWhen((error) => error instanceof HttpError && !signal?.aborted),
      {
        maxAttempts: attempts,
        backoff: new ExponentialBackoff({
          initialDelay: API_RETRY_DEFAULTS.networkInitialDelayMs,
          maxDelay: API_RETRY_DEFAULTS.networkMaxDelayMs,
        }),
      },
    );
    policy.onRetry(({ delay, attempt, ...reason }) => {
      const err = 'error' in reason && reason.error instanceof Error ? reason.error.message : undefined;
      log.warn({ method, attempt, of: attempts, delayMs: Math.round(delay), err }, 'Bot API unreachable; retrying');
    });
    // grammY types its signal with the abort-controller polyfill's type; at runtime it is Node's AbortSignal.
    // Passed on, a stop cuts a backoff wait short instead of sitting it out.
    return policy.execute(() => prev(method, payload, signal), signal as AbortSignal | undefined);
  };
}
