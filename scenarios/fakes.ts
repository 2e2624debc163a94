import type { FakeClaudeOptions } from '../fakes/claude/options.ts';
import type { FakeTelegramOptions } from '../fakes/telegram/index.ts';
import type { Scenario } from './schema.ts';

/**
 * The scenario's `fakes` section as options of the two fakes, so the orchestrator passes them through
 * instead of re-reading scenario fields. Fault windows are simulated ms since the run started.
 *
 * @example
 * const claude = await startFakeClaude({ ...fakeClaudeOptions(scenario), clock });
 */
export function fakeClaudeOptions(scenario: Scenario): Pick<FakeClaudeOptions, 'seed' | 'latency' | 'tier' | 'faults'> {
  const { claude } = scenario.fakes;
  return {
    seed: scenario.seed,
    latency: claude.latency,
    tier: claude.tier,
    faults: {
      windows: claude.faults.map((fault) => ({
        fromMs: fault.from,
        toMs: fault.to,
        rate: fault.rate,
        kind: fault.kind,
        ...(fault.retryAfter === undefined ? {} : { retryAfterMs: fault.retryAfter }),
        ...(fault.models === undefined ? {} : { models: fault.models }),
      })),
    },
  };
}

/**
 * @example
 * const telegram = await startFakeTelegram({ ...fakeTelegramOptions(scenario), clock, tokens });
 */
export function fakeTelegramOptions(scenario: Scenario): Pick<FakeTelegramOptions, 'floodControl'> {
  return { floodControl: scenario.fakes.telegram.floodControl };
}
