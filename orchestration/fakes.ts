import type { Clock } from '../common/clock.ts';
import type { FakeClaude } from '../fakes/claude/index.ts';
import { startFakeClaude } from '../fakes/claude/index.ts';
import { type FakeIngest, startFakeIngest } from '../fakes/ingest/index.ts';
import { type FakeMcp, startFakeMcp } from '../fakes/mcp/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { fakeClaudeOptions, fakeMcpFaultWindows, fakeTelegramOptions, scenarioUsesMcp } from '../scenarios/fakes.ts';
import type { Scenario } from '../scenarios/schema.ts';

/** The run's in-process fakes; `close()` stops whichever started. */
export interface RunFakes {
  telegram: FakeTelegram;
  claude: FakeClaude;
  mcp: FakeMcp | undefined;
  /** The error-tracking ingestion, when the scenario enables it (`fakes.ingest.enabled`). */
  ingest: FakeIngest | undefined;
  /**
   * Applies the scenario's fault windows - Claude's and the MCP server's - from now on: they are written
   * relative to the load's start, so this is called when the load starts.
   */
  armFaults(): void;
  close(): Promise<void>;
}

/**
 * Starts fake Telegram (time scale and flood limits from the scenario), fake Claude (latency profile and
 * tier), when the bot uses it fake MCP, and when the scenario asks the error ingestion - all on the run's clock. Both fakes' fault windows are armed
 * when the load starts, each shifted onto its own fake's clock.
 *
 * @example
 * const fakes = await startRunFakes(scenario, clock, {});
 * try { ... fakes.armFaults(); ... } finally { await fakes.close(); }
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
      // Telegram's 60 s, simulated, up to 6x; above, 10 real seconds, so a quick run at 20x (CI, not findings) does
      // not turn the lab's own CPU delay into webhook timeouts. Its fidelity verdict says what that scale costs.
      webhookTimeoutMs: Math.max(60_000, 10_000 * clock.timeScale),
    });
    started.push(telegram);
    const { faults, ...claudeOptions } = fakeClaudeOptions(scenario);
    const claude = await startFakeClaude({ ...claudeOptions, clock, port: ports.claudePort ?? 0 });
    started.push(claude);
    const mcp = scenarioUsesMcp(scenario) ? await startFakeMcp({ clock, seed: scenario.seed }) : undefined;
    if (mcp !== undefined) started.push(mcp);
    const { enabled, eventsPerMin } = scenario.fakes.ingest;
    const ingest = enabled ? await startFakeIngest({ clock, eventsPerMin }) : undefined;
    if (ingest !== undefined) started.push(ingest);
    return {
      telegram,
      claude,
      mcp,
      ingest,
      armFaults() {
        const claudeWindows = faults?.windows ?? [];
        if (claudeWindows.length > 0) claude.setFaults({ windows: shifted(claudeWindows, claude.runMs()) });
        const mcpWindows = fakeMcpFaultWindows(scenario);
        if (mcp !== undefined && mcpWindows.length > 0) mcp.setFaults({ windows: shifted(mcpWindows, mcp.runMs()) });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Fault windows written relative to the load's start, moved onto a fake's clock (`offsetMs` = its run ms now). */
function shifted<W extends { fromMs: number; toMs: number }>(windows: readonly W[], offsetMs: number): W[] {
  return windows.map((w) => ({ ...w, fromMs: w.fromMs + offsetMs, toMs: w.toMs + offsetMs }));
}
