import type { Context, MiddlewareFn } from 'grammy';
import type { BotContext, UpdateOutcome } from '../context.ts';
import type { BotMetrics, UpdateKind } from '../observability/metrics.ts';

/** What the user did, as a metric label. */
export function updateKind(ctx: Context): UpdateKind {
  if (ctx.callbackQuery) return 'callback';
  const message = ctx.message;
  if (!message) return 'other';
  if (message.entities?.[0]?.type === 'bot_command' && message.entities[0].offset === 0) return 'command';
  return message.text === undefined ? 'message_other' : 'text';
}

/**
 * Times every update and counts it by kind and outcome; third in the chain (bot.ts), so it sees every update
 * that reached the bot, duplicates included. Outcomes: `ok` (a normal reply), `fallback` (a ⚠️ reply: an
 * upstream failed), `error` (not even a fallback could be sent), `ignored` (nothing to answer), `duplicate`
 * (a redelivery of an update already handled), `limited` (over the user's message limit).
 *
 * @example
 * bot.use(measureUpdates(metrics), replyFallbackOnError, ...);
 */
export function measureUpdates(metrics: BotMetrics): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const kind = updateKind(ctx);
    const endTimer = metrics.updateDuration.startTimer({ kind });
    let outcome: UpdateOutcome = 'error';
    try {
      await next();
      outcome = ctx.duplicate
        ? 'duplicate'
        : ctx.limited
          ? 'limited'
          : ctx.fallback
            ? 'fallback'
            : ctx.replied
              ? 'ok'
              : 'ignored';
    } catch (error) {
      outcome = ctx.replied ? 'fallback' : 'error';
      throw error;
    } finally {
      endTimer();
      metrics.updates.inc({ kind, outcome });
    }
  };
}
