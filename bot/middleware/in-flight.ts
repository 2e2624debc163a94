import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.ts';

/**
 * Counts the updates whose middleware is still running, so a stopping instance can wait for them before
 * it closes the pool. Needed because a webhook request can end before its handler does (grammY's
 * `onTimeout` answers Telegram and lets the handler run on); ending the pool under such a handler makes
 * its session write fail after nobody is listening.
 *
 * @example
 * const inFlight = trackInFlight();
 * bot.use(inFlight.middleware);
 * await inFlight.drain(10_000); // true when every handler finished in time
 */
export interface InFlight {
  middleware: MiddlewareFn<BotContext>;
  count(): number;
  /** Resolves true once no handler runs, or false after `timeoutMs` (real ms) with some still running. */
  drain(timeoutMs: number): Promise<boolean>;
}

export function trackInFlight(): InFlight {
  let running = 0;
  let waiters: Array<() => void> = [];
  const settle = () => {
    if (running > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  return {
    middleware: async (_ctx, next) => {
      running += 1;
      try {
        await next();
      } finally {
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
