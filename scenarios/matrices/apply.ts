import { loadDurationMs, nominalDigestBurstPerS, nominalPeakRate } from '../peak-vus.ts';
import type { Scenario } from '../schema.ts';
import { parseScenario } from '../validate.ts';
import {
  MATRIX_REPETITIONS,
  type MatrixDefinition,
  type MatrixSize,
  type MatrixVariant,
  type ScenarioPatch,
} from './types.ts';

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
 * For estimates only: `timeScale: 'auto'` is decided at run time by a calibration (a run of its own, about
 * `calibrationRealS`, once per variant: a matrix's repetitions reuse its pick). The pick keeps the lab's own
 * delay within the fidelity bound, which on the 2-core lab machine holds for about `faithfulItemsPerRealS`
 * work items (updates and digests) per real second with the reference bot: bench/fidelity.ts measured smoke
 * faithful at 3x with 4.6 updates per simulated second (13.8 per real second) and 100 users of the
 * production mix faithful at 2x (7.1), so a variant is estimated at the scale that gives ~10, never below 1x.
 */
export const AUTO_TIME_SCALE_ESTIMATE = { calibrationRealS: 18, faithfulItemsPerRealS: 10 } as const;

/**
 * The time scale a run of `scenario` is estimated to play at: its own, or what `auto` is likely to pick
 * for its peak work rate (AUTO_TIME_SCALE_ESTIMATE).
 *
 * @example
 * estimatedTimeScale({ ...smoke, timeScale: 'auto' }) // 2 for 5 updates per simulated second
 */
export function estimatedTimeScale(scenario: Scenario): number {
  if (scenario.timeScale !== 'auto') return scenario.timeScale;
  const itemsPerSimulatedS = nominalPeakRate(scenario) + nominalDigestBurstPerS(scenario);
  const scale = AUTO_TIME_SCALE_ESTIMATE.faithfulItemsPerRealS / Math.max(1e-9, itemsPerSimulatedS);
  return Math.max(1, Math.floor(scale * 2) / 2);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge for plain JSON: objects merge, arrays and scalars replace. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = key in base ? merge(base[key], value) : structuredClone(value);
  }
  return out;
}

/**
 * The scenario one variant runs: the matrix's base at `size` with the variant's patch merged in,
 * validated by the scenario schema (so a bad knob names itself), named `<matrix>` for reports.
 *
 * @example
 * variantScenario(pooling, pooling.variants[0]!, 'quick').bot.instances // 5
 */
export function variantScenario(matrix: MatrixDefinition, variant: MatrixVariant, size: MatrixSize): Scenario {
  const base = matrix.base(size);
  const patch: ScenarioPatch = typeof variant.patch === 'function' ? variant.patch(size) : variant.patch;
  const merged = merge(base, patch);
  return parseScenario(merged, `matrix ${matrix.name}, variant '${variant.label}' (${size})`);
}

/**
 * The variants a size runs: all of them, or those marked `quick`.
 *
 * @example
 * variantsFor(scheduler, 'quick').map((v) => v.label) // ['none x3', 'queue-worker x3']
 */
export function variantsFor(matrix: MatrixDefinition, size: MatrixSize): MatrixVariant[] {
  return matrix.variants.filter((v) => size === 'default' || v.quick);
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
 * Estimated wall time of a whole matrix at a size: the sum over the variants it runs, times the repetitions
 * (default: MATRIX_REPETITIONS of the size), plus one calibration per variant whose scale is `auto`.
 *
 * @example
 * estimateMatrixRealS(pooling, 'quick') // 52
 * estimateMatrixRealS(pooling, 'default', 1) // one pass over every variant, with their calibrations
 */
export function estimateMatrixRealS(
  matrix: MatrixDefinition,
  size: MatrixSize,
  repetitions: number = MATRIX_REPETITIONS[size],
): number {
  let totalS = 0;
  for (const variant of variantsFor(matrix, size)) {
    const scenario = variantScenario(matrix, variant, size);
    totalS += estimateRunRealS(scenario) * repetitions;
    if (scenario.timeScale === 'auto') totalS += AUTO_TIME_SCALE_ESTIMATE.calibrationRealS;
  }
  return totalS;
}

/**
 * A variant label as a folder name: lower case, runs of anything but a-z0-9 as one dash.
 *
 * @example
 * variantSlug('5 x 50 direct') // '5-x-50-direct'
 */
export function variantSlug(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'variant'
  );
}
