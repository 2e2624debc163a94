import { chooseTimeScale } from '../loadgen/fidelity/auto-scale.ts';
import { fidelityBound } from '../loadgen/fidelity/bound.ts';
import {
  MATRIX_REPETITIONS,
  type MatrixDefinition,
  type MatrixSize,
  variantScenario,
  variantsFor,
} from '../scenarios/matrices/index.ts';
import { loadDurationMs, nominalDigestBurstPerS, nominalPeakRate } from '../scenarios/peak-vus.ts';
import type { Scenario } from '../scenarios/schema.ts';

/**
 * Real seconds a run costs besides its load, measured on the 2-core lab machine: embedded Postgres start
 * and stop (~3 s), the fakes, the start allowance of the bots (4 s; each starts in ~1 s from its bundle),
 * seeding, waiting out the reply deadline after the last update, the bots' stop grace and the reports.
 * `botcap matrix all --quick` took 138 s against 181 s estimated with the earlier 13 s (when bots started
 * through tsx with a 6 s allowance and 5 s of stop grace); 9 s matches it. Each further instance adds
 * runScenario's per-instance start allowance. Budgets are estimates from these; the report prints the
 * measured wall time.
 */
export const RUN_OVERHEAD_REAL_S = { first: 9, perExtraInstance: 1 } as const;

/**
 * For estimates only: `timeScale: 'auto'` is decided at run time by a calibration of this bot on this machine
 * (a run of its own, about `calibrationRealS`, once per variant: a matrix's repetitions reuse its pick). Before
 * any run, the estimate asks the pick's own model (chooseTimeScale) with what a calibration of the reference
 * bot typically measures on the 2-core lab machine: CPU per work item in the bots, the generator and
 * PostgreSQL, and the real delay per item an idle-ish lab adds anyway (the event loops' lag at every hop,
 * injection), the lab's and the system's. So the scenario's own fidelity bound counts (a 15 s budget allows
 * 6x where a 3 s one allows 1.5x), and so does its peak rate.
 *
 * The figures are fitted to the wall times of the ten committed matrices (docs/findings/<name>/matrix-run.json,
 * commits 5156c49 to 7a13160, 2026-12-04/05, slotting's then from 9d8e458): every matrix's actual wall time came
 * out 0.64-1.29x of this estimate (scheduler 0.64, sessions 0.72, signals 0.85, slot-cap 0.93, slotting 0.94,
 * monitoring 1.04, breaker 1.05, pooling 1.21, llm-cost 1.26, transport 1.29). Slotting's next runs came out 0.80x
 * (a9e8136, 4,968 s) and, with the scale check, 0.93x (b0c13ef and b629669 with --resume, 8,623 s); scheduler's
 * with the scale check 0.95x (6518043 and c796669 with --resume, 8,980 s); not refitted. The earlier estimate, a fixed 10 work items per
 * real second with no regard for the bound, was off by 0.27x (signals) to 2.63x (llm-cost).
 */
export const AUTO_TIME_SCALE_ESTIMATE = {
  calibrationRealS: 18,
  botCpuMsPerItem: 10,
  generatorCpuMsPerItem: 1,
  postgresCpuMsPerItem: 1,
  baseDelayMs: { labMs: 14, systemMs: 28 },
  cores: 2,
} as const;

/**
 * The time scale a run of `scenario` is estimated to play at: its own, or what `auto` is likely to pick on the
 * 2-core lab machine for its peak work rate and fidelity bound (AUTO_TIME_SCALE_ESTIMATE).
 *
 * @example
 * estimatedTimeScale({ ...smoke, timeScale: 'auto' }) // 2: its 150 ms bound, a few updates per second
 */
export function estimatedTimeScale(scenario: Scenario): number {
  if (scenario.timeScale !== 'auto') return scenario.timeScale;
  const typical = AUTO_TIME_SCALE_ESTIMATE;
  return chooseTimeScale({
    processes: [
      { name: 'bot', cpuMsPerItem: typical.botCpuMsPerItem, singleThreaded: true, instances: scenario.bot.instances },
      { name: 'loadgen', lab: true, cpuMsPerItem: typical.generatorCpuMsPerItem, singleThreaded: true },
      { name: 'postgres', cpuMsPerItem: typical.postgresCpuMsPerItem, singleThreaded: false },
    ],
    baseDelayMs: typical.baseDelayMs,
    peakItemsPerSimulatedS: nominalPeakRate(scenario) + nominalDigestBurstPerS(scenario),
    cores: typical.cores,
    boundMs: fidelityBound(scenario.thresholds, scenario.fidelity).boundMs,
  }).timeScale;
}

/**
 * Estimated wall time of one run of `scenario`: its simulated length over its (estimated) time scale, plus
 * the fixed overhead per run (RUN_OVERHEAD_REAL_S). The calibration of an `auto` scale is counted apart,
 * once per variant (estimateMatrixRealS).
 *
 * @example
 * estimateRunRealS(scenario) // 29 for 20 s of load on one instance at 1x
 */
export function estimateRunRealS(scenario: Scenario): number {
  const loadRealS = loadDurationMs(scenario.load) / 1000 / estimatedTimeScale(scenario);
  return RUN_OVERHEAD_REAL_S.first + RUN_OVERHEAD_REAL_S.perExtraInstance * (scenario.bot.instances - 1) + loadRealS;
}

/**
 * Estimated wall time of the scale check (orchestration/matrix-scale-check.ts): one run at 1x of each variant
 * estimated to play above 1x. Its cost is the most it adds: a variant whose figures moved plays its later
 * repetitions at 1x too, which this does not count (it cannot know which will move).
 *
 * @example
 * estimateScaleCheckRealS(getMatrix('pooling'), 'default') // 0: every variant already runs at 1x
 */
export function estimateScaleCheckRealS(matrix: MatrixDefinition, size: MatrixSize): number {
  let totalS = 0;
  for (const variant of variantsFor(matrix, size)) {
    const scenario = variantScenario(matrix, variant, size);
    if (estimatedTimeScale(scenario) > 1) totalS += estimateRunRealS({ ...scenario, timeScale: 1 });
  }
  return totalS;
}

/**
 * Estimated wall time of a whole matrix at a size: the sum over the variants it runs, times the repetitions
 * (default: MATRIX_REPETITIONS of the size), plus one calibration per variant whose scale is `auto`, plus the
 * scale check's runs at 1x when it is on (default: at default size, as `botcap matrix` runs it).
 *
 * @example
 * estimateMatrixRealS(pooling, 'quick') // 52
 * estimateMatrixRealS(pooling, 'default', 1) // one pass over every variant, with their calibrations
 */
export function estimateMatrixRealS(
  matrix: MatrixDefinition,
  size: MatrixSize,
  repetitions: number = MATRIX_REPETITIONS[size],
  scaleCheck: boolean = size === 'default',
): number {
  let totalS = scaleCheck ? estimateScaleCheckRealS(matrix, size) : 0;
  for (const variant of variantsFor(matrix, size)) {
    const scenario = variantScenario(matrix, variant, size);
    totalS += estimateRunRealS(scenario) * repetitions;
    if (scenario.timeScale === 'auto') totalS += AUTO_TIME_SCALE_ESTIMATE.calibrationRealS;
  }
  return totalS;
}
