import type { Clock } from '../../common/clock.ts';
import type { FakeClaude } from '../../fakes/claude/index.ts';
import { startFakeClaude } from '../../fakes/claude/index.ts';
import { type FakeMcp, startFakeMcp } from '../../fakes/mcp/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram/index.ts';
import { fakeClaudeOptions, fakeTelegramOptions } from '../../scenarios/fakes.ts';
import type { Scenario } from '../../scenarios/schema.ts';

/** The run's in-process fakes; `close()` stops whichever started. */
export interface RunFakes {
  telegram: FakeTelegram;
  claude: FakeClaude;
  mcp: FakeMcp | undefined;
  /** Applies the scenario's Claude fault windows from now on (they are written relative to the load's start). */
  armClaudeFaults(): void;
  close(): Promise<void>;
}

/** Whether the scenario's bot uses the MCP knowledge lookup: its config has an `mcp` section. */
export function scenarioUsesMcp(scenario: Scenario): boolean {
  const mcp = scenario.bot.config.mcp;
  return mcp !== null && typeof mcp === 'object';
}

/**
 * Starts fake Telegram (time scale and flood limits from the scenario), fake Claude (latency profile and
 * tier; faults are armed when the load starts) and, when the bot uses it, fake MCP - all on the run's clock.
 *
 * @example
 * const fakes = await startRunFakes(scenario, clock, {});
 * try { ... fakes.armClaudeFaults(); ... } finally { await fakes.close(); }
 */
export async function startRunFakes(
  scenario: Scenario,
  clock: Clock,
  ports: { telegramPort?: number; claudePort?: number },
): Promise<RunFakes> {
  const started: Array<{ close(): Promise<void> }> = [];
  const close = async () => {
    await Promise.allSettled(started.reverse().map((fake) => fake.close()));
  };
  try {
    const telegram = await startFakeTelegram({
      ...fakeTelegramOptions(scenario),
      clock,
      port: ports.telegramPort ?? 0,
      // The fake's webhook timeout is simulated; a real handler at a high scale needs real seconds.
      webhookTimeoutMs: Math.max(60_000, 10_000 * clock.timeScale),
    });
    started.push(telegram);
    const { faults, ...claudeOptions } = fakeClaudeOptions(scenario);
    const claude = await startFakeClaude({ ...claudeOptions, clock, port: ports.claudePort ?? 0 });
    started.push(claude);
    const mcp = scenarioUsesMcp(scenario) ? await startFakeMcp({ clock, seed: scenario.seed }) : undefined;
    if (mcp !== undefined) started.push(mcp);
    return {
      telegram,
      claude,
      mcp,
      armClaudeFaults() {
        const offsetMs = claude.runMs();
        const windows = (faults?.windows ?? []).map((w) => ({
          ...w,
          fromMs: w.fromMs + offsetMs,
          toMs: w.toMs + offsetMs,
        }));
        if (windows.length > 0) claude.setFaults({ windows });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
