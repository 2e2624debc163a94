import { isDeepStrictEqual } from 'node:util';
import { readJsonIfAny } from '../common/read-json.ts';
import { type RunResult, runResultSchema } from '../contracts/run-result.ts';
import type { Scenario } from '../scenarios/schema.ts';

/**
 * `botcap matrix --resume`: a matrix at default size runs for hours, longer than a laptop stays awake or a
 * CI job may run, and a Ctrl-C, a crash or a lost machine used to cost every run already made. Each variant's
 * run leaves its result.json as soon as it ends, so a second invocation over the same folder can keep those
 * and run only the rest. Kept runs are checked, not trusted: a run is kept only when it completed and is the
 * same variant, the same scenario with the same seed, at the scale the variant plays at by then.
 * The seeds, the `auto` picks and the scale check's decisions are the ones the first invocation would have
 * used: the picks come from the kept runs, and the check compares the same results with the same rule.
 */

/** Where a run may be kept from: its result file, and what it must have been. */
export interface KeptRunQuery {
  resultPath: string;
  variant: string;
  /** The scenario as this invocation would run it, seed included; its time scale is not compared. */
  scenario: Scenario;
  /** The scale the variant is pinned to by now (an earlier repetition's pick, or 1x), if it is. */
  timeScale?: number;
}

/**
 * The RunResult an earlier invocation left at `query.resultPath`, when this one can keep it; undefined when the
 * variant must run again: no result there (not reached, or it failed to run: a failure may not recur), an
 * unreadable one (a process killed while writing it), a run that did not complete (the Ctrl-C that stopped
 * that invocation ends its run aborted), or a run of another variant, scenario, seed or scale (the matrix
 * changed in between, or the folder held another size or repetition count).
 *
 * @example
 * const kept = await keptRun({ resultPath: 'out/slotting/run-2/none/result.json', variant: 'none', scenario, timeScale: 2 });
 */
export async function keptRun(query: KeptRunQuery): Promise<RunResult | undefined> {
  const saved = await readJsonIfAny(query.resultPath).catch(() => undefined);
  if (saved === undefined) return undefined;
  const parsed = runResultSchema.safeParse(saved);
  if (!parsed.success) return undefined;
  const result = parsed.data;
  if (result.status !== 'completed' || result.variant !== query.variant || result.seed !== query.scenario.seed)
    return undefined;
  if (query.timeScale !== undefined && result.timeScale !== query.timeScale) return undefined;
  return sameScenario(query.scenario, result.scenario.resolved) ? result : undefined;
}

/** The scenario a result ran, against this invocation's, as JSON and at any time scale. */
function sameScenario(expected: Scenario, resolved: Record<string, unknown>): boolean {
  const { timeScale: _expectedScale, ...wanted } = JSON.parse(JSON.stringify(expected)) as Record<string, unknown>;
  const { timeScale: _resolvedScale, ...ran } = resolved;
  return isDeepStrictEqual(wanted, ran);
}

/** The runs a resumed matrix kept, for its record: how many, and when and at which commits they were made. */
export interface KeptRuns {
  runs: number;
  /** Distinct commits of the kept runs, in the order first seen. */
  gitCommits: string[];
  /** The earliest kept run's start (ISO 8601). */
  firstStartedAt: string;
  /** Real seconds of the kept runs' loads (without their setup and calibration: a lower bound of their time). */
  loadRealS: number;
}

/**
 * What `kept` adds up to; undefined when nothing was kept.
 *
 * @example
 * summarizeKept([resultA, resultB]) // { runs: 2, gitCommits: ['b0c13ef...'], firstStartedAt: '...', loadRealS: 610 }
 */
export function summarizeKept(kept: readonly RunResult[]): KeptRuns | undefined {
  if (kept.length === 0) return undefined;
  const gitCommits = [...new Set(kept.flatMap((r) => (r.environment.gitCommit ? [r.environment.gitCommit] : [])))];
  const firstStartedAt = kept.map((r) => r.startedAt).sort()[0]!;
  const loadRealS = kept.reduce((sum, r) => sum + r.durationRealS, 0);
  return { runs: kept.length, gitCommits, firstStartedAt, loadRealS };
}
