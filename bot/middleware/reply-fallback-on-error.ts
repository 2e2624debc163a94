import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.ts';
import { backToMenuKeyboard } from '../handlers/keyboards.ts';
import { messagesOf } from '../handlers/profile.ts';
import { replyOnce } from '../reply.ts';

/**
 * Never silence: when a handler fails (the pool is exhausted, Postgres is down, a Bot API call was refused) and
 * the user has not had their reply yet, they get the polite ⚠️ fallback. The error is then rethrown, so
 * `bot.catch` (reached through handErrorsToCatch) logs it, counts it and sends it to Sentry.
 *
 * @example
 * bot.use(replyFallbackOnError); // before session(), whose database read can fail too
 */
export const replyFallbackOnError: MiddlewareFn<BotContext> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!ctx.replied && (ctx.message || ctx.callbackQuery)) {
      const m = messagesOf(ctx);
      // The session may be unreadable (that may be the failure), so the fallback does not touch it.
      await replyOnce(ctx, m.fallback, {
        fallback: true,
        keyboard: ctx.callbackQuery ? backToMenuKeyboard(m) : undefined,
      }).catch(() => undefined);
    }
    throw error;
  }
};
