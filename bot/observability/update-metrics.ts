import type { Context, MiddlewareFn } from 'grammy';
import type { BotContext, UpdateOutcome } from '../context.ts';
import type { BotMetrics, UpdateKind } from './metrics.ts';

/** What the user did, as a metric label. */
export function updateKind(ctx: Context): UpdateKind {
  if (ctx.callbackQuery) return 'callback';
  const message = ctx.message;
  if (!message) return 'other';
  if (message.entities?.[0]?.type === 'bot_command' && message.entities[0].offset === 0) return 'command';
  return message.text === undefined ? 'message_other' : 'text';
}

/**
 * Outermost middleware: times every update and counts it by kind and outcome. Outcomes: `ok` (a normal
 * reply), `fallback` (a ⚠️ reply: an upstream failed), `error` (not even a fallback could be sent),
 * `ignored` (nothing to answer).
 *
 * @example
 * bot.use(measureUpdates(metrics), errorBoundary, ...);
 */
export function measureUpdates(metrics: BotMetrics): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const kind = updateKind(ctx);
    const endTimer = metrics.updateDuration.startTimer({ kind });
    let outcome: UpdateOutcome = 'error';
    try {
      await next();
      outcome = ctx.fallback ? 'fallback' : ctx.replied ? 'ok' : 'ignored';
    } catch (error) {
      outcome = ctx.replied ? 'fallback' : 'error';
      throw error;
    } finally {
      endTimer();
      metrics.updates.inc({ kind, outcome });
    }
  };
}
