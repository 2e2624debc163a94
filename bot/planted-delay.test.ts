import { describe, expect, it } from 'vitest';
import type { Clock } from '../common/clock.ts';
import { BOT_DEFAULTS, loadBotConfig } from './config/index.ts';
import type { BotContext } from './context.ts';
import { plantedDelay } from './planted-delay.ts';

describe('the planted delay (a test-only slowdown for the regression gate)', () => {
  it('is off by default and read from BOTCAP_TESTING_PLANTED_DELAY_MS', () => {
    expect(BOT_DEFAULTS.testing.plantedDelayMs).toBe(0);
    expect(loadBotConfig({ env: { BOTCAP_TESTING_PLANTED_DELAY_MS: '1500' } }).testing.plantedDelayMs).toBe(1500);
  });

  it('holds every update for that many simulated ms before its handler runs', async () => {
    const events: string[] = [];
    const clock = {
      sleepMs: async (ms: number) => {
        events.push(`slept ${ms}`);
      },
    } as Pick<Clock, 'sleepMs'> as Clock;
    await plantedDelay(clock, 1500)({} as BotContext, async () => {
      events.push('handled');
    });
    expect(events).toEqual(['slept 1500', 'handled']);
  });
});
