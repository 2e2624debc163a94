import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../../common/errors.ts';
import { FAULT_KINDS, type FaultKind } from '../../fakes/claude/faults.ts';
import { scenarioUsesMcp } from '../../scenarios/fakes.ts';
import { parseDurationMs } from '../../scenarios/index.ts';
import type { NETWORK_FAULT_KINDS, Scenario } from '../../scenarios/schema.ts';

type NetworkFaultKind = (typeof NETWORK_FAULT_KINDS)[number];

/**
 * `botcap run`'s fault flags besides `--kill-instance-at`: a window of Claude errors (`--claude-errors`), of MCP
 * outage (`--mcp-outage`), of network trouble to PostgreSQL (`--network-fault`), added to the scenario's own windows. Each is on the run's record (RunResult `faults`).
 */

/** A fault window from a flag, simulated ms since the load started. */
export interface FlagWindow {
  fromMs: number;
  toMs: number;
  /** Share of calls that fail in the window, 0..1. */
  rate: number;
}

const WINDOW_HINT =
  "like '20s-40s' (from-to, simulated time since the load started), optionally '@0.5' for half the calls";

/**
 * `FROM-TO[@RATE]`, e.g. `20s-40s` or `1m-2m@0.5`.
 *
 * @example
 * parseWindow('--mcp-outage', '20s-40s') // { fromMs: 20_000, toMs: 40_000, rate: 1 }
 */
export function parseWindow(flag: string, value: string): FlagWindow {
  const match = /^([^-@]+)-([^-@]+)(?:@([\d.]+))?$/.exec(value.trim());
  const fromMs = match ? parseDurationMs(match[1]!) : undefined;
  const toMs = match ? parseDurationMs(match[2]!) : undefined;
  const rate = match?.[3] === undefined ? 1 : Number(match[3]);
  if (fromMs === undefined || toMs === undefined) {
    throw new InvalidArgumentError(`${flag} expects a window ${WINDOW_HINT}, got '${value}'`);
  }
  if (toMs <= fromMs) throw new InvalidArgumentError(`${flag}: the window must end after it starts, got '${value}'`);
  if (!(rate > 0 && rate <= 1)) throw new InvalidArgumentError(`${flag}: the rate after '@' is 0..1, got '${value}'`);
  return { fromMs, toMs, rate };
}

/** A network fault window between the bots and PostgreSQL. */
export interface NetworkFaultWindow {
  fromMs: number;
  toMs: number;
  kind: NetworkFaultKind;
  /** Simulated ms added each way (`delay`); 0 for a partition. */
  delayMs: number;
}

/**
 * `--network-fault FROM-TO:partition` or `FROM-TO:delay=DURATION` (simulated), between the bots and PostgreSQL.
 *
 * @example
 * parseNetworkFault('20s-40s:delay=200ms') // { fromMs: 20_000, toMs: 40_000, kind: 'delay', delayMs: 200 }
 * parseNetworkFault('1m-90s:partition') // { fromMs: 60_000, toMs: 90_000, kind: 'partition', delayMs: 0 }
 */
export function parseNetworkFault(value: string): NetworkFaultWindow {
  const hint = "expects FROM-TO:partition or FROM-TO:delay=DURATION, e.g. '20s-40s:delay=200ms'";
  const match = /^([^:]+):(partition|delay=(.+))$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`--network-fault ${hint}; got '${value}'`);
  const { fromMs, toMs } = parseWindow('--network-fault', match[1]!);
  if (match[2] === 'partition') return { fromMs, toMs, kind: 'partition', delayMs: 0 };
  const delayMs = parseDurationMs(match[3]!);
  if (delayMs === undefined || delayMs <= 0)
    throw new InvalidArgumentError(`--network-fault: the delay must be a duration longer than zero; got '${value}'`);
  return { fromMs, toMs, kind: 'delay', delayMs };
}

/** A Claude error window: the window and the error the fake answers with. */
export interface ClaudeErrorWindow extends FlagWindow {
  kind: FaultKind;
}

/**
 * `--claude-errors FROM-TO:KIND[@RATE]`, e.g. `20s-40s:529` (overloaded for every call) or `1m-2m:429@0.3`.
 *
 * @example
 * parseClaudeErrors('20s-40s:529') // { fromMs: 20_000, toMs: 40_000, rate: 1, kind: '529' }
 */
export function parseClaudeErrors(value: string): ClaudeErrorWindow {
  const colon = value.indexOf(':');
  const at = value.indexOf('@', colon);
  const kind = colon < 0 ? '' : value.slice(colon + 1, at < 0 ? undefined : at);
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(
      `--claude-errors expects FROM-TO:KIND with KIND one of ${FAULT_KINDS.join(', ')}, e.g. '20s-40s:529'; got '${value}'`,
    );
  }
  const window = parseWindow('--claude-errors', value.slice(0, colon) + (at < 0 ? '' : value.slice(at)));
  return { ...window, kind: kind as FaultKind };
}

/** Collects a repeatable flag's values. */
export const repeatable =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];

/**
 * The scenario with the flags' windows added to its own (a copy; the scenario's windows stay).
 *
 * @example
 * withFaultFlags(scenario, { claudeErrors: [parseClaudeErrors('20s-40s:529')] }).fakes.claude.faults.at(-1)
 */
export function withFaultFlags(
  scenario: Scenario,
  flags: {
    claudeErrors?: readonly ClaudeErrorWindow[];
    mcpOutage?: readonly FlagWindow[];
    networkFault?: readonly NetworkFaultWindow[];
  },
): Scenario {
  const claude = flags.claudeErrors ?? [];
  const mcp = flags.mcpOutage ?? [];
  const network = flags.networkFault ?? [];
  if (claude.length === 0 && mcp.length === 0 && network.length === 0) return scenario;
  if (mcp.length > 0 && !scenarioUsesMcp(scenario)) {
    throw new ConfigError(
      `--mcp-outage: the bot of scenario '${scenario.name}' does not use the MCP server (its config has no mcp section), so an outage would change nothing`,
    );
  }
  const next = structuredClone(scenario);
  next.fakes.claude.faults.push(...claude.map((w) => ({ from: w.fromMs, to: w.toMs, rate: w.rate, kind: w.kind })));
  next.fakes.mcp.faults.push(
    ...mcp.map((w) => ({ from: w.fromMs, to: w.toMs, rate: w.rate, kind: 'http-503' as const })),
  );
  next.environment.networkFaults.push(
    ...network.map((w) => ({
      target: 'postgres' as const,
      kind: w.kind,
      from: w.fromMs,
      to: w.toMs,
      delay: w.delayMs,
    })),
  );
  return next;
}
