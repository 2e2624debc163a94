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

/** The updates of one instance while they run; `middleware` goes second in bot.ts, right inside handErrorsToCatch. */
export interface UpdateTracker {
  middleware: MiddlewareFn<BotContext>;
  /** Updates whose middleware is still running. */
  count(): number;
  /** Resolves true once no update runs, or false after `timeoutMs` (real ms) with some still running. */
  drain(timeoutMs: number): Promise<boolean>;
}

/**
 * Every update while it runs: counted, so a stopping instance can wait for it before closing the pool, and timed
 * and counted by kind and outcome when it ends (bot_updates_total, bot_update_duration_seconds). One wrapper,
 * because both ask the same question: which updates are in flight, and how did each one end?
 *
 * Why stop() must wait: a webhook request can end before its handler does (grammY's `onTimeout` answers
 * Telegram and lets the handler run on); ending the pool under such a handler makes its session write fail
 * after nobody is listening.
 *
 * Outcomes: `ok` (a normal reply), `fallback` (a ⚠️ reply: an upstream failed), `error` (not even a fallback
 * could be sent), `ignored` (nothing to answer), `duplicate` (a redelivery of an update already handled),
 * `limited` (over the user's message limit). It sits outside handleOnce, so duplicates are counted too.
 *
 * @example
 * const updates = trackUpdates(metrics);
 * bot.use(handErrorsToCatch(bot), updates.middleware, ...);
 * await updates.drain(10_000); // at stop: true when every update finished in time
 */
export function trackUpdates(metrics: Pick<BotMetrics, 'updates' | 'updateDuration'>): UpdateTracker {
  let running = 0;
  let waiters: Array<() => void> = [];
  const settle = () => {
    if (running > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  return {
    middleware: async (ctx, next) => {
      running += 1;
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
        running -= 1;
        settle();
      }
    },
    count: () => running,
    drain: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (running === 0) {
          resolve(true);
          return;
        }
        const timer = setTimeout(() => resolve(running === 0), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      }),
  };
}
