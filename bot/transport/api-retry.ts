import { autoRetry } from '@grammyjs/auto-retry';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { type Bot, HttpError, type Transformer } from 'grammy';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';

export const API_RETRY_DEFAULTS = {
  /** First wait after a 5xx or a network failure of a Bot API call, real ms; doubles (with jitter) per attempt. */
  initialDelayMs: 500,
  maxDelayMs: 5_000,
} as const;

/**
 * Retries of Bot API calls, every one bounded by `telegram.apiRetryAttempts` (0 = none):
 * - 429 (flood control): after the `retry_after` Telegram asks for, up to `telegram.apiRetryMaxDelayS`
 *   (a longer wait fails the call at once), by @grammyjs/auto-retry. Lab only: in a run faster than real
 *   time the fake Telegram answers in simulated seconds, so the wait is first converted to real ones.
 * - 5xx and network failures (refused, reset, timed out: grammY's HttpError): auto-retry (2.0.2) retries
 *   network failures forever whatever its attempt limit says, so a bot against an unreachable API root hung
 *   silently, and it sleeps once more after the last 5xx attempt (3 + 6 + 12 + 24 s for 3 retries). Both go to
 *   a cockatiel retry instead: the same bound, exponential backoff with jitter, a logged warning per attempt.
 *   A call cancelled by its signal (a stop) is never retried.
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
  // Innermost, so auto-retry reads the converted wait.
  if (config.time.timeScale !== 1) bot.api.config.use(retryAfterInRealSeconds(config.time.timeScale));
  // Installed before the network retry, so it runs inside it: each network attempt gets its own 429/5xx handling.
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: attempts,
      // Compared with the converted retry_after, so converted the same way (simulated s -> real s).
      maxDelaySeconds: config.telegram.apiRetryMaxDelayS / config.time.timeScale,
      rethrowHttpErrors: true,
      rethrowInternalServerErrors: true,
    }),
  );
  bot.api.config.use(retryServerAndNetworkFailures(attempts, log));
}

/**
 * Lab only: a 429's `retry_after` from the fake Telegram is whole simulated seconds (what Telegram would say
 * inside the simulated day) and auto-retry sleeps on the wall clock, so at 2x a 1 s wait would last 2
 * simulated seconds: every flood-limited send would wait twice as long as in production and the next attempt
 * would meet a refilled bucket. Dividing by the time scale makes the wait the one production would see.
 * Not installed at scale 1 (production).
 */
export function retryAfterInRealSeconds(timeScale: number): Transformer {
  return async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (result.ok || result.parameters?.retry_after === undefined) return result;
    return { ...result, parameters: { ...result.parameters, retry_after: result.parameters.retry_after / timeScale } };
  };
}

const isServerError = (result: unknown): boolean =>
  typeof result === 'object' &&
  result !== null &&
  (result as { ok?: unknown }).ok === false &&
  Number((result as { error_code?: unknown }).error_code) >= 500;

/** An API transformer that retries a call failing with a 5xx or a network error, `attempts` times at most. */
export function retryServerAndNetworkFailures(attempts: number, log: Logger): Transformer {
  return (prev, method, payload, signal) => {
    const policy = retry(
      handleWhen((error) => error instanceof HttpError && !signal?.aborted).orWhenResult(
        (result) => isServerError(result) && !signal?.aborted,
      ),
      {
        maxAttempts: attempts,
        backoff: new ExponentialBackoff({
          initialDelay: API_RETRY_DEFAULTS.initialDelayMs,
          maxDelay: API_RETRY_DEFAULTS.maxDelayMs,
        }),
      },
    );
    policy.onRetry(({ delay, attempt, ...reason }) => {
      const err =
        'error' in reason
          ? reason.error instanceof Error
            ? reason.error.message
            : String(reason.error)
          : `${(reason.value as { error_code?: number }).error_code} from the Bot API`;
      log.warn({ method, attempt, of: attempts, delayMs: Math.round(delay), err }, 'Bot API unreachable; retrying');
    });
    // grammY types its signal with the abort-controller polyfill's type; at runtime it is Node's AbortSignal.
    // Passed on, a stop cuts a backoff wait short instead of sitting it out.
    return policy.execute(() => prev(method, payload, signal), signal as AbortSignal | undefined);
  };
}
