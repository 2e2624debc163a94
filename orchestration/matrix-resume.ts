import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readJsonIfAny } from '../common/read-json.ts';
import { type RunResult, runResultSchema } from '../contracts/run-result.ts';
import {
  type MatrixDefinition,
  type MatrixSize,
  variantScenario,
  variantSlug,
  variantsFor,
} from '../scenarios/matrices/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { AUTO_TIME_SCALE_ESTIMATE, estimatedTimeScale, estimateRunRealS } from './matrix-estimate.ts';
import { SCALE_CHECK_FILES } from './matrix-scale-check.ts';

/**
 * `botcap matrix --resume`: a matrix at default size runs for hours, longer than a laptop stays awake or a
 * CI job may run, and a Ctrl-C, a crash or a lost machine used to cost every run already made. Each variant's
 * run leaves its result.json as soon as it ends, so a second invocation over the same folder can keep those
 * and run only the rest. Kept runs are checked, not trusted: a run is kept only when it completed and is the
 * same variant, the same scenario with the same seed, at the scale the variant plays at by then.
 * The seeds, the `auto` picks and the scale check's decisions are the ones the first invocation would have
 * used: the picks come from the kept runs, and the check compares the same results with the same rule.
 */

/** What a variant's run leaves in its folder: its RunResult. */
export const RESULT_FILE = 'result.json';

/** The folder of one repetition: the matrix's own with a single repetition, `run-<i>` under it with several. */
export function repetitionDir(outDir: string, repetition: number, repetitions: number): string {
  return repetitions === 1 ? outDir : join(outDir, `run-${repetition}`);
}

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

/** The runs a `--resume` over a folder would keep, counted before it starts, and the wall time they save. */
export interface KeptEstimate {
  runs: number;
  /** What orchestration/matrix-estimate.ts estimates those runs (and the calibrations they spare) to take. */
  realS: number;
}

/**
 * Before a `--resume` starts: which of the matrix's runs (every repetition's, and the scale check's at 1x) it
 * will keep from `outDir`, by the same check the run applies, and what they would have cost by the matrix's
 * estimate; so the line printed at the start says what is left, not the whole matrix. A count, not a promise:
 * the time scale is not compared here (the picks and the check's moves are made during the run), so a kept-
 * looking run that the matrix runs again at another scale counts as kept.
 *
 * @example
 * await estimateKept(getMatrix('scheduler'), { size: 'default', repetitions: 3, scaleCheck: true, outDir: 'out/scheduler' })
 * // { runs: 28, realS: 6_151 } over the 28 runs scheduler's first invocation kept (~54 of ~157 min left)
 */
export async function estimateKept(
  matrix: MatrixDefinition,
  options: { size: MatrixSize; repetitions: number; scaleCheck: boolean; outDir: string },
): Promise<KeptEstimate> {
  let runs = 0;
  let realS = 0;
  for (const variant of variantsFor(matrix, options.size)) {
    let planned: Scenario;
    try {
      planned = variantScenario(matrix, variant, options.size);
    } catch {
      continue; // a variant that cannot run has nothing to keep
    }
    for (let r = 1; r <= options.repetitions; r++) {
      const dir = join(repetitionDir(options.outDir, r, options.repetitions), variantSlug(variant.label));
      const scenario = { ...planned, seed: planned.seed + r - 1 };
      const result = await keptRun({ resultPath: join(dir, RESULT_FILE), variant: variant.label, scenario });
      if (result !== undefined) {
        runs++;
        realS += estimateRunRealS(planned);
        // Later repetitions take the first's pick: keeping it spares the calibration.
        if (r === 1 && planned.timeScale === 'auto') realS += AUTO_TIME_SCALE_ESTIMATE.calibrationRealS;
      }
      // The estimate counts a check run only for a variant it expects above 1x.
      if (r !== 1 || !options.scaleCheck || estimatedTimeScale(planned) <= 1) continue;
      const at1x = join(dir, SCALE_CHECK_FILES.at1xDir, RESULT_FILE);
      const checked = await keptRun({ resultPath: at1x, variant: variant.label, scenario, timeScale: 1 });
      if (checked !== undefined) runs++;
      // Kept, or not needed: a first run kept at 1x has nothing to check.
      if (checked !== undefined || (result !== undefined && result.timeScale <= 1)) {
        realS += estimateRunRealS({ ...planned, timeScale: 1 });
      }
    }
  }
  return { runs, realS };
}
