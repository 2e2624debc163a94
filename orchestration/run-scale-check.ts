import type { RunResult } from '../contracts/run-result.ts';
import { runFiguresMoved, unfitReference } from '../reports/analysis/scale-check.ts';

/**
 * `botcap run --scale-check`: the run's fidelity verdict, refined by the same run again at 1x (why, and the
 * tolerance: reports/analysis/scale-check.ts). The estimate judges the lab's delay per update; this measures
 * whether the figures moved. One that did makes the run `distorted` with the figures named, so the run's
 * exit code, `botcap gate` and every report treat it as they treat an estimate past its bound.
 */

/** Where `botcap run --scale-check` writes the run at 1x, under the run's own folder. */
export const RUN_SCALE_CHECK_DIR = 'at-1x';

/**
 * `result` with its fidelity verdict refined by `at1x`, the same scenario and seed at 1x (written to `at1xDir`,
 * relative to the result's folder). Unchanged when the run has no fidelity verdict to refine or the run at 1x
 * is no reference (it did not complete, or was distorted itself: `unfitReference`). `allowDistorted`: the run's thresholds are judged anyway, as
 * `--allow-distorted` does for an estimate, and the verdict says so.
 *
 * @example
 * applyScaleCheck(at3x, at1x, 'at-1x', false).fidelity?.status // 'distorted' when a figure moved
 */
export function applyScaleCheck(
  result: RunResult,
  at1x: RunResult,
  at1xDir: string,
  allowDistorted: boolean,
): RunResult {
  const fidelity = result.fidelity;
  if (fidelity === undefined || unfitReference(at1x) !== undefined) return result;
  const moved = runFiguresMoved(result, at1x, fidelity.boundMs);
  const distorted = fidelity.status === 'distorted' || moved.length > 0;
  return {
    ...result,
    fidelity: {
      ...fidelity,
      status: distorted ? 'distorted' : 'ok',
      ...(distorted && allowDistorted ? { overridden: true } : {}),
      scaleCheck: { seed: at1x.seed, at1xDir, moved },
    },
  };
}
