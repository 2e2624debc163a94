import type { MiddlewareFn } from 'grammy';
import type { Clock } from '../common/clock.ts';
import type { BotContext } from './context.ts';

/**
 * A planted slowdown, for the tests of botcap's own regression gate (`botcap gate --baseline`): every
 * update waits `delayMs` simulated ms before its handler runs, as if a change had made the handlers
 * slower. It is the `testing.plantedDelayMs` knob (env BOTCAP_TESTING_PLANTED_DELAY_MS), 0 and not
 * installed by default; nothing but tests should set it.
 *
 * @example
 * if (config.testing.plantedDelayMs > 0) bot.use(plantedDelay(clock, config.testing.plantedDelayMs));
 */
export function plantedDelay(clock: Clock, delayMs: number): MiddlewareFn<BotContext> {
  return async (_ctx, next) => {
    await clock.sleepMs(delayMs);
    await next();
  };
}
