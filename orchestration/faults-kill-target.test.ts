import { describe, expect, it } from 'vitest';
import { createScaledClock } from '../common/clock.ts';
import type { KillTarget } from '../contracts/run-result.ts';
import type { PostgresHandle } from '../environment/index.ts';
import { variantScenario } from '../scenarios/matrices/apply.ts';
import { scheduler } from '../scenarios/matrices/scheduler.ts';
import { waitFor } from '../testing/wait.ts';
import type { BotFleet } from './bots.ts';
import { scheduleFaults } from './faults.ts';
import { RUN_SCENARIO_DEFAULTS } from './options.ts';

/** A fleet that only records what it was asked to kill, named as the real one names its processes. */
function recordingFleet(killed: KillTarget[]): BotFleet {
  return {
    killOne: async (target = 'bot-instance') => {
      killed.push(target);
      return target === 'scheduler-worker' ? 'scheduler-worker' : 'bot-3';
    },
  } as Pick<BotFleet, 'killOne'> as BotFleet;
}

describe('scheduleFaults: --kill-instance-at', () => {
  const variant = scheduler.variants.find((v) => v.kill?.target === 'scheduler-worker')!;
  const scenario = variantScenario(scheduler, variant, 'quick');
  const clock = createScaledClock({ timeScale: 1_000 });

  it.each([
    ['scheduler-worker', 'scheduler-worker'],
    [undefined, 'bot-3'],
  ] as const)('kills the target asked for (%s) and records what it hit', async (killTarget, recorded) => {
    const killed: KillTarget[] = [];
    const faults = scheduleFaults(
      {
        scenario,
        durationMs: 10_000,
        killInstanceAt: { fraction: 0.4 },
        ...(killTarget === undefined ? {} : { killTarget }),
        postgresFaultAt: [],
        postgresFault: RUN_SCENARIO_DEFAULTS.postgresFault,
      },
      { clock, fleet: recordingFleet(killed), postgres: {} as PostgresHandle, network: undefined, onStage: undefined },
    );
    try {
      const events = await waitFor('the kill', () => (faults.events().length > 0 ? faults.events() : undefined));
      expect(killed).toEqual([killTarget ?? 'bot-instance']);
      expect(events).toEqual([
        { kind: 'instance-killed', target: recorded, fromMs: 4_000, toMs: 4_000, detail: 'SIGKILL' },
      ]);
    } finally {
      faults.stop();
    }
  });
});
