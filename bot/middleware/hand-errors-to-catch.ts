import { type Bot, BotError, type Context, type MiddlewareFn } from 'grammy';

/**
 * The outermost middleware: every error of an update ends in `bot.errorHandler` (`bot.catch`) here, so
 * `bot.handleUpdate` never rejects. (grammY has an `errorBoundary` of its own, which hands errors of an inner
 * part of the chain to a handler and goes on; this one catches everything and ends the update.)
 *
 * Polling loses nothing (the runner would hand the error to the same handler). Webhooks need it: when a handler
 * outlives `webhookCallback`'s timeout, grammY keeps the handler's promise in a `task.finally()` without a catch
 * (`timeoutIfNecessary`), so a failure after the timeout - a pool exhausted under load, say - became an
 * unhandled rejection and killed the instance mid-run.
 *
 * @example
 * bot.use(handErrorsToCatch(bot)); // first, before anything that can throw
 */
export function handErrorsToCatch<C extends Context>(bot: Bot<C>): MiddlewareFn<C> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      await bot.errorHandler(error instanceof BotError ? (error as BotError<C>) : new BotError<C>(error, ctx));
    }
  };
}
