import type { FakeClaudeOptions } from '../fakes/claude/options.ts';
import type { FakeMcpFaultWindow } from '../fakes/mcp/faults.ts';
import type { FakeTelegramOptions } from '../fakes/telegram/index.ts';
import type { Scenario } from './schema.ts';

/**
 * The scenario's `fakes` section as options of the two fakes, so the orchestrator passes them through
 * instead of re-reading scenario fields. Fault windows are simulated ms since the run started.
 *
 * @example
 * const claude = await startFakeClaude({ ...fakeClaudeOptions(scenario), clock });
 */
export function fakeClaudeOptions(
  scenario: Scenario,
): Pick<FakeClaudeOptions, 'seed' | 'latency' | 'tier' | 'faults' | 'batchProcessing'> {
  const { claude } = scenario.fakes;
  return {
    seed: scenario.seed,
    latency: claude.latency,
    tier: claude.tier,
    ...(claude.batchProcessing === undefined
      ? {}
      : { batchProcessing: { minMs: claude.batchProcessing.min, maxMs: claude.batchProcessing.max } }),
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

/**
 * Whether the scenario's bot uses the MCP knowledge lookup: its config has an `mcp` section. Only then is a
 * fake MCP server started (and its fault windows mean anything).
 *
 * @example
 * scenarioUsesMcp(parseScenario({ ..., bot: { config: { mcp: {} } } })) // true
 */
export function scenarioUsesMcp(scenario: Scenario): boolean {
  return scenario.bot.config.mcp !== undefined;
}

/**
 * The scenario's MCP fault windows as the fake MCP's, still relative to the load's start (the orchestrator
 * shifts them onto the fake's clock when the load starts).
 *
 * @example
 * mcp.setFaults({ windows: fakeMcpFaultWindows(scenario).map((w) => ({ ...w, fromMs: w.fromMs + offset, toMs: w.toMs + offset })) });
 */
export function fakeMcpFaultWindows(scenario: Scenario): FakeMcpFaultWindow[] {
  return scenario.fakes.mcp.faults.map((fault) => ({
    fromMs: fault.from,
    toMs: fault.to,
    rate: fault.rate,
    kind: fault.kind,
  }));
}
